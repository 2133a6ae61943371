"""A ticket the department returns (wrong department, from its page) shows up
on the page of the operator who opened it, live, without a reload; she
forwards it again from there."""

from __future__ import annotations

import httpx
import pytest
from browser_helpers import PASSWORD, login_page

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]


def test_a_returned_ticket_is_seen_by_the_operator_live(browser, live_server):
    agent = login_page(browser, live_server, "agent01")
    agent.wait_for_selector("#fu-returned-card")
    token = httpx.post(f"{live_server.url}/api/token",
                       json={"username": "agent01", "password": PASSWORD}).json()["token"]
    r = httpx.post(f"{live_server.url}/api/tickets", headers={"Authorization": f"Bearer {token}"},
                   json={"kind": "complaint", "department": "vodovod",
                         "subject": "Атмосферска вода у подруму"})
    assert r.status_code == 201, r.text
    number = r.json()["number"]

    dep = login_page(browser, live_server, "vod1")
    dep.wait_for_selector("#fu-return-suggested option[value=cistoca]", state="attached")
    dep.fill("#fu-return-number", number)
    dep.fill("#fu-return-reason", "Атмосферска канализација није наша")
    dep.select_option("#fu-return-suggested", "komunalna")
    dep.click("#fu-return-btn")

    row = agent.wait_for_selector(f"#fu-returned tr[data-number='{number}']", timeout=10000)
    assert "Атмосферска канализација није наша" in row.inner_text()
    assert agent.text_content("#fu-returned-count") == "1"
    agent.click(f"#fu-returned tr[data-number='{number}'] .fu-forward")
    agent.wait_for_selector(f"#fu-returned tr[data-number='{number}']", state="detached",
                            timeout=10000)
    t = httpx.get(f"{live_server.url}/api/tickets/{number}",
                  headers={"Authorization": f"Bearer {token}"}).json()
    assert (t["status"], t["department"]) == ("forwarded", "komunalna")
