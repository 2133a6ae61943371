"""The administrator manages users in Chromium: adds one (the generated
password shown once), changes the role and department, resets the password
(the new one works, the old one no longer), deactivates (login refused);
every change is audited."""

from __future__ import annotations

import pytest
from browser_helpers import login_page

from kontakt.http.users import authenticate
from kontakt.privacy.audit import AuditLog

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]


def test_admin_manages_users(browser, live_server):
    page = login_page(browser, live_server, "adm")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.wait_for_selector("#users tr[data-user=vod1]")
    assert "Водовод" in page.inner_text("#users tr[data-user=vod1]")  # a name, not an id
    assert page.inner_text("#users tr[data-user=agent01] td:nth-child(5)") == "agent01"
    page.fill("#u-username", "marko")
    page.fill("#u-full-name", "Марко Марковић")
    page.select_option("#u-role", "agent")
    page.fill("#u-agent", "agent09")
    page.click("#u-save")
    page.wait_for_selector("#users tr[data-user=marko]")
    first = page.inner_text("#u-password").split(": ", 1)[1]
    sm = live_server.web.ctx.sessionmaker
    assert live_server.run_coro(authenticate(sm, "marko", first)) is not None
    # change role and department
    page.click("#users tr[data-user=marko] button[data-act=edit]")
    page.select_option("#u-role", "department")
    page.select_option("#u-department", "cistoca")
    page.click("#u-save")
    page.wait_for_selector("#users tr[data-user=marko] >> text=Чистоћа")
    # reset the password: a new one shown once, the old one refused
    page.click("#users tr[data-user=marko] button[data-act=reset]")
    page.wait_for_function(
        f"() => !document.getElementById('u-password').textContent.endsWith('{first}')")
    second = page.inner_text("#u-password").split(": ", 1)[1]
    assert live_server.run_coro(authenticate(sm, "marko", first)) is None
    user = live_server.run_coro(authenticate(sm, "marko", second))
    assert user is not None and (user.role, user.department) == ("department", "cistoca")
    # deactivate: gone from the list, login refused
    page.click("#users tr[data-user=marko] button[data-act=deactivate]")
    page.wait_for_selector("#users tr[data-user=marko]", state="detached")
    assert live_server.run_coro(authenticate(sm, "marko", second)) is None
    # the last administrator stays
    page.click("#users tr[data-user=adm] button[data-act=deactivate]")
    page.wait_for_selector("#u-error:has-text('Не можете деактивирати себе')")
    audit = live_server.run_coro(AuditLog(sm).read(actor="adm"))
    assert [e["action"] for e in audit if e["action"].startswith("user.")] == [
        "user.add", "user.update", "user.password_reset", "user.deactivate"]
    assert page.is_hidden("#live") or page.is_visible("#live.on")
    assert errors == []
    page.context.close()
