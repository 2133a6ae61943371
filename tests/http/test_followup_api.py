"""The follow-through over HTTP: a department returns a ticket (reason
mandatory), the operator who opened it finds it in the returned queue and
forwards it again; merges; look-alikes; the wallboard's figures and the
staffing table; each ticket shows its deadline."""

from __future__ import annotations

from http_helpers import bearer, login


async def _as(client, user: str) -> dict:
    return bearer(await login(client, user))


async def _open(client, h, **kw) -> dict:
    body = {"kind": "complaint", "department": "vodovod", "subject": "Пукла цев у Футошкој",
            "description": "Вода тече низ улицу", "address": "Футошка 12", **kw}
    r = await client.post("/api/tickets", headers=h, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def test_return_to_the_contact_center_and_forward_again(client):
    op, vod, sup = [await _as(client, u) for u in ("agent01", "vod1", "sup")]
    t = await _open(client, op)
    n = t["number"]
    assert "deadline" in t and t["deadline"]["clock"] in ("running", "none")
    r = await client.post(f"/api/tickets/{n}/return", headers=vod, json={"reason": ""})
    assert r.status_code == 422  # the reason is mandatory
    r = await client.post(f"/api/tickets/{n}/return", headers=vod,
                          json={"reason": "Атмосферска канализација", "suggested_department":
                                "nowhere"})
    assert r.status_code == 422 and r.json()["error"] == "department.unknown_id"
    r = await client.post(f"/api/tickets/{n}/return", headers=vod, json={
        "reason": "Атмосферска канализација", "suggested_department": "komunalna"})
    assert r.status_code == 200, r.text
    assert r.json() == {"number": n, "status": "returned", "department": None}
    assert (await client.get(f"/api/tickets/{n}", headers=vod)).status_code == 404
    q = (await client.get("/api/tickets/returned?mine=true", headers=op)).json()["tickets"]
    assert [x["number"] for x in q] == [n]
    assert q[0]["return_reason"] == "Атмосферска канализација"
    assert q[0]["from_department"] == "vodovod" and q[0]["suggested_department"] == "komunalna"
    r = await client.post(f"/api/tickets/{n}/forward", headers=op,
                          json={"department": "komunalna"})
    assert r.status_code == 200 and r.json()["status"] == "forwarded"
    assert (await client.get("/api/tickets/returned", headers=op)).json()["tickets"] == []
    f = (await client.get("/api/stats/followup", headers=sup)).json()
    assert f["by_department"]["vodovod"]["returned"] == 1
    assert f["staffing_now"]["logged_in"] == 0 and "needed" in f["staffing_now"]
    mine = (await client.get("/api/stats/followup", headers=vod)).json()
    assert mine == {"department": "vodovod", "today": {"returned": 1, "overdue": 0}}


async def test_look_alikes_and_merge(client):
    op, sup = await _as(client, "agent01"), await _as(client, "sup")
    first = await _open(client, op)
    r = await client.get("/api/tickets/similar", headers=op, params={
        "department": "vodovod", "kind": "complaint", "subject": "Пукла цев",
        "address": "футошка 12"})
    assert r.status_code == 200, r.text
    alike = r.json()["tickets"]
    assert [a["number"] for a in alike] == [first["number"]] and alike[0]["similarity"] > 0.5
    attached = await _open(client, op, attach_to=first["number"])
    assert attached["number"] == first["number"]
    second = await _open(client, op, subject="Цев пукла")
    r = await client.post(f"/api/tickets/{second['number']}/merge", headers=sup,
                          json={"into": first["number"]})
    assert r.status_code == 200 and r.json()["number"] == first["number"]
    r = await client.post(f"/api/tickets/{second['number']}/merge", headers=sup,
                          json={"into": first["number"]})
    assert r.status_code == 409  # already merged
    assert (await client.get("/api/stats/followup", headers=sup)).json()["merged"] == 2


async def test_staffing_table_has_a_row_per_half_hour(client):
    sup = await _as(client, "sup")
    r = await client.get("/api/stats/staffing", headers=sup,
                         params={"from": "2027-03-01", "to": "2027-03-31"})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [x["slot"] for x in rows][:2] == ["07:30", "08:00"] and len(rows) == 16
    bad = await client.get("/api/stats/staffing", headers=sup, params={"from": "yesterday"})
    assert bad.status_code == 400
