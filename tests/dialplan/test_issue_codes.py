"""Every problem the configuration validator reports has a stable code and
its params, and the editor has a template for that code in Serbian
Cyrillic, Serbian Latin and English whose placeholders the params fill.
The English message (logs, the CLI) stays as it was."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dialplan.loader import check_text, default_path
from kontakt.http.i18n import labels

DIALPLAN = Path(__file__).parents[2] / "dialplan"
_HOLE = re.compile(r"\{(\w+)\}")


def _reported() -> dict[str, set[str]]:
    """code -> the params names given where it is reported (Reader.err, Issue)."""
    out: dict[str, set[str]] = {}
    for f in DIALPLAN.glob("*.py"):
        for n in ast.walk(ast.parse(f.read_text("utf-8"))):
            if not isinstance(n, ast.Call):
                continue
            name = getattr(n.func, "attr", None) or getattr(n.func, "id", None)
            if name == "err":
                assert len(n.args) >= 3, f"{f.name}:{n.lineno}: err() without a code"
                codes = [c.value for c in ast.walk(n.args[2]) if isinstance(c, ast.Constant)]
                names = {k.arg for k in n.keywords if k.arg}
            elif name == "Issue" and len(n.args) >= 4:
                codes = [n.args[3].value] if isinstance(n.args[3], ast.Constant) else []
                names = ({k.value for k in n.args[4].keys if isinstance(k, ast.Constant)}
                         if len(n.args) > 4 and isinstance(n.args[4], ast.Dict) else set())
            else:
                continue
            for code in codes:
                out.setdefault(code, set()).update(names)
    return out


def test_every_code_has_a_template_in_three_languages():
    reported = _reported()
    assert len(reported) > 50 and "config.invalid" not in reported
    for lang in ("sr-Cyrl", "sr-Latn", "en"):
        L = labels(lang)
        for code, names in reported.items():
            template = L.get("cv_" + code)
            assert template, (lang, code)
            assert set(_HOLE.findall(template)) <= names, (lang, code, template, names)


def test_an_issue_carries_code_params_and_the_english_message():
    text = default_path().read_text("utf-8").replace("mon-fri: 07:30-15:30",
                                                     "mon-fri: 07:30-25:30")
    issue = check_text(text, "c.yaml")[0]
    assert issue.message == "hours.weekly.mon-fri: bad time '25:30', write HH:MM (00:00-23:59)"
    assert issue.code == "config.bad_time"
    assert issue.to_dict()["params"] == {"what": "hours.weekly.mon-fri", "value": "25:30"}
    assert str(issue).startswith("c.yaml:")  # the CLI's line, in English
