"""The configuration editor in Chromium: line numbers, a YAML error marked
on the line to fix, a diff against the running configuration before
applying, a warning when the hours change under a prompt that tells them,
and a one-click rollback to the version before."""

from __future__ import annotations

import pytest
from browser_helpers import login_page

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]


def _type(page, text):
    # As an edit does: the value changes and the page hears "input".
    page.eval_on_selector("#cfg-text", "(t, v) => { t.value = v; "
                          "t.dispatchEvent(new Event('input')); }", text)


def test_config_editor(browser, live_server):
    page = login_page(browser, live_server, "adm")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.wait_for_function("() => document.getElementById('cfg-text').value.length > 100")
    text = page.input_value("#cfg-text")
    lines = text.split("\n")
    assert page.eval_on_selector_all("#cfg-gutter span", "s => s.length") == len(lines)
    at = next(i for i, line in enumerate(lines) if line.startswith("departments:"))
    bad = [*lines[:at + 1], "  - [oops", *lines[at + 1:]]
    _type(page, "\n".join(bad))
    page.click("#btn-validate")
    item = page.wait_for_selector("#cfg-problems li[data-line]")
    assert item.get_attribute("data-line") == str(at + 2)  # the line with the open [
    assert item.inner_text().startswith(f"ред {at + 2}:")
    assert page.is_visible(f"#cfg-gutter span.bad[data-line='{at + 2}']")
    # the hours change: a diff first, a warning about the prompt, then applied
    changed = text.replace("mon-fri: 07:30-15:30", "mon-fri: 08:00-16:00")
    assert changed != text
    _type(page, changed)
    page.click("#btn-apply")
    page.wait_for_selector("#cfg-warnings li[data-code='config.prompt_mentions_hours']")
    diff = page.inner_text("#cfg-diff")
    assert "- " in diff and "07:30-15:30" in diff and "08:00-16:00" in diff
    assert page.inner_text("#cfg-version") == "v1"  # nothing applied yet
    page.click("#btn-confirm")
    page.wait_for_selector("#cfg-version:has-text('v2')")
    page.wait_for_selector("#cfg-versions li[data-version='1'] button")
    assert "08:00-16:00" in live_server.web.ctx.config_holder.text
    page.click("#cfg-versions li[data-version='1'] button")
    page.wait_for_selector("#cfg-version:has-text('v3')")
    assert "07:30-15:30" in live_server.web.ctx.config_holder.text
    assert "07:30-15:30" in page.input_value("#cfg-text")
    assert errors == []
    page.context.close()


BAD_TIME = {  # the same problem (line, code, params) as each language says it
    "sr-Cyrl": "ред {n}: hours.weekly.mon-fri: погрешно време „25:30“, упишите ЧЧ:ММ (00:00-23:59)",
    "sr-Latn": "red {n}: hours.weekly.mon-fri: pogrešno vreme „25:30“, upišite ČČ:MM (00:00-23:59)",
    "en": "line {n}: hours.weekly.mon-fri: bad time “25:30”, write HH:MM (00:00-23:59)",
}
UNKNOWN_KEY = {"sr-Cyrl": "датотека: непознат кључ „colour“", "sr-Latn":
               "datoteka: nepoznat ključ „colour“", "en": "the file: unknown key “colour”"}


def test_validator_problems_in_the_page_language(browser, live_server):
    page = login_page(browser, live_server, "adm")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for lang, expected in BAD_TIME.items():
            page.evaluate("(l) => api('POST', '/api/me/lang', {lang: l})", lang)
            page.reload()
            page.wait_for_function("() => document.getElementById('cfg-text').value.length > 100")
            text = page.input_value("#cfg-text")
            n = text.split("\n").index(next(x for x in text.split("\n")
                                            if "mon-fri: 07:30-15:30" in x)) + 1
            bad = text.replace("mon-fri: 07:30-15:30", "mon-fri: 07:30-25:30", 1)
            _type(page, "colour: red\n" + bad)
            page.click("#btn-validate")
            item = page.wait_for_selector("#cfg-problems li[data-code='config.bad_time']")
            assert item.inner_text() == expected.format(n=n + 1), lang
            other = page.inner_text("#cfg-problems li[data-code='config.unknown_key']")
            assert UNKNOWN_KEY[lang] in other, (lang, other)
    finally:
        page.evaluate("() => api('POST', '/api/me/lang', {lang: 'sr-Cyrl'})")
    # the server's own answer keeps the English (logs, the CLI, API clients)
    r = page.evaluate("() => api('POST', '/api/config/check', {text: 'colour: red\\n'})")
    assert any("unknown key 'colour'" in p["message"] for p in r["problems"])
    assert errors == []
    page.context.close()
