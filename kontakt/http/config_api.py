"""The configuration editor's helpers: the versions applied before (kept
in the database by ``kontakt.config_versions``, newest first, for a
one-click rollback that still works after a restart) and the warnings a
change earns although it is valid: opening hours changed while a prompt
still speaks of the old hours."""

from __future__ import annotations

import re
from typing import Any

import yaml

from infra.logs import get_logger
from kontakt.config_versions import ConfigVersions
from kontakt.http import sources
from kontakt.http.errors import ApiError
from kontakt.http.ops import Call, Op

log = get_logger("kontakt.http")
ADMIN = frozenset({"admin"})
# Words of a prompt that tells the hours (Serbian, Hungarian, Slovak, Romanian, Rusyn).
_HOURS_WORDS = re.compile(r"час|радн|ради |óra|hodín|orele|\d{1,2}[:.]\d{2}", re.IGNORECASE)


def versions(web: Any) -> ConfigVersions:
    return ConfigVersions(web.ctx.sessionmaker)


async def remember(web: Any, text: str, version: Any, by: str) -> None:
    """Keep the text being replaced (call before applying the new one)."""
    await versions(web).remember(text, version if isinstance(version, int) else None, by)


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
    return {"versions": [v.public() for v in await versions(c.web).newest()]}


async def config_rollback(c: Call) -> Any:
    b = c.body
    if b.get("id") is None and b.get("version") is None:
        raise ApiError(422, "request.invalid", "body: give id (or version) of a kept version",
                       field="id", reason="required")
    found = await versions(c.web).find(id=b.get("id"), version=b.get("version"))
    if found is None:
        which = {"id": b["id"]} if b.get("id") is not None else {"version": b["version"]}
        raise ApiError(404, "config.no_version", f"no kept version {which}", **which)
    problems = sources.config_problems(c.web, found.text)
    if problems:
        raise ApiError(422, "config.invalid", "that version no longer validates",
                       problems=problems)
    now = sources.config_read(c.web)
    await remember(c.web, now["text"], now["version"], c.user.username)
    await sources.config_apply(c.web, found.text)
    log.info("config.rolled_back", to_id=found.id, to=found.version, by=c.user.username)
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
       body={"type": "object", "additionalProperties": False,
             "properties": {"id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                            "version": {"type": "integer", "minimum": 0,
                                        "maximum": 2**31 - 1}}}),
]
