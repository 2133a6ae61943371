"""Telling the citizen by SMS or e-mail that a ticket was resolved, cancelled...

- ``messages`` (pure): the texts per language and status.
- ``policy`` (pure): what an attempt's outcome does to a notification.
- ``ports``: ``SmsGateway``, ``EmailSender``, ``NotificationFailed``.
- ``kannel``, ``smtp``: the real adapters (Kannel sendsms, aiosmtplib).
- ``jobs``: the ``notifications`` table, ``enqueue``, ``NotificationWorker``, ``for_ticket``.
- ``wiring.senders_from_settings``: adapters from ``kontakt.settings.Settings``.
- ``install-kannel.sh``: Debian's kannel + kannel-extras (fakesmsc), idempotent.
"""
