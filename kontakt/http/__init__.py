"""The HTTP service: workstations (agent desktop, department workstation,
supervisor wallboard, administrator), the JSON API under ``/api/``, the
citizens' page and Open311 GeoReport v2, server-sent events and ``/metrics``.

Entry point: ``kontakt.http.app.create_app(ctx)``.
"""
