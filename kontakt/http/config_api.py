"""The configuration editor's helpers: the versions applied before (kept
in memory by this process, newest first, for a one-click rollback) and the
warnings a change earns although it is valid: opening hours changed while
a prompt still speaks of the old hours."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import yaml

from infra.logs import get_logger
from kontakt.http import sources
from kontakt.http.errors import ApiError
from kontakt.http.ops import Call, Op

log = get_logger("kontakt.http")
ADMIN = frozenset({"admin"})
KEEP = 20
# Words of a prompt that tells the hours (Serbian, Hungarian, Slovak, Romanian, Rusyn).
_HOURS_WORDS = re.compile(r"час|радн|ради |óra|hodín|orele|\d{1,2}[:.]\d{2}", re.IGNORECASE)


def versions(web: Any) -> list[dict[str, Any]]:
    if not hasattr(web, "config_versions"):
        web.config_versions = []
    return web.config_versions  # type: ignore[no-any-return]


def remember(web: Any, text: str, version: Any, by: str) -> None:
    """Keep the text being replaced (call before applying the new one)."""
    kept = versions(web)
    kept.insert(0, {"version": version, "text": text, "by": by,
                    "replaced_at": datetime.now(UTC).isoformat()})
    del kept[KEEP:]


def warnings(running: str, candidate: str) -> list[dict[str, Any]]:
    try:
        old, new = yaml.safe_load(running) or {}, yaml.safe_load(candidate) or {}
    except yaml.YAMLError:
        return []
    if not isinstance(old, dict) or not isinstance(new, dict) or \
            old.get("hours") == new.get("hours"):
        return []
    out = []
    for name, texts in (new.get("prompts") or {}).items():
        spoken = texts.values() if isinstance(texts, dict) else [texts]
        if any(isinstance(t, str) and _HOURS_WORDS.search(t) for t in spoken):
            out.append({"code": "config.prompt_mentions_hours", "prompt": str(name),
                        "message": f"the hours changed: prompt {name!r} tells the hours; "
                                   "check its text (and rebuild the prompts)"})
    return out


async def config_check(c: Call) -> Any:
    text = c.body["text"]
    problems = sources.config_problems(c.web, text)
    running = sources.config_read(c.web)["text"]
    return {"valid": not problems, "problems": problems,
            "warnings": [] if problems else warnings(running, text)}


async def config_versions(c: Call) -> Any:
    return {"versions": [{k: v for k, v in x.items()} for x in versions(c.web)]}


async def config_rollback(c: Call) -> Any:
    kept = versions(c.web)
    found = next((x for x in kept if x["version"] == c.body["version"]), None)
    if found is None:
        raise ApiError(404, "config.no_version", f"no kept version {c.body['version']}",
                       version=c.body["version"])
    problems = sources.config_problems(c.web, found["text"])
    if problems:
        raise ApiError(422, "config.invalid", "that version no longer validates",
                       problems=problems)
    now = sources.config_read(c.web)
    remember(c.web, now["text"], now["version"], c.user.username)
    await sources.config_apply(c.web, found["text"])
    log.info("config.rolled_back", to=found["version"], by=c.user.username)
    return {"applied": True, **sources.config_read(c.web)}


_text = {"type": "object", "required": ["text"], "additionalProperties": False,
         "properties": {"text": {"type": "string", "maxLength": 60000}}}
OPS: list[Op] = [
    Op("POST", "/api/config/check", config_check, ADMIN,
       "Validate a configuration and warn about prompts it makes wrong", "config", body=_text),
    Op("GET", "/api/config/versions", config_versions, ADMIN,
       "The configurations applied before (newest first)", "config"),
    Op("POST", "/api/config/rollback", config_rollback, ADMIN,
       "Apply a kept earlier configuration again", "config",
       body={"type": "object", "required": ["version"], "additionalProperties": False,
             "properties": {"version": {"type": "integer", "minimum": 0}}}),
]
