"""Thin adapters from the HTTP layer to the other layers: the ticket
service's actor and ticket shapes, the departments of the live
configuration, and the configuration holder."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from kontakt.http.errors import ApiError
from kontakt.http.ops import jsonable
from kontakt.http.users import list_users


def _actor_type() -> Any:
    try:
        from tickets.domain import Actor
    except ImportError:  # the ticket domain not installed yet: same shape
        from collections import namedtuple

        return namedtuple("Actor", "user_id role department")
    return Actor


def actor(user: Any) -> Any:
    Actor = _actor_type()
    return Actor(user_id=user.username, role=user.role, department=user.department)


def plain(obj: Any) -> Any:
    return jsonable(obj)


def ticket_json(t: Any) -> dict[str, Any]:
    d = jsonable(t)
    if not isinstance(d, dict):
        return {"ticket": d}
    d.pop("events", None)  # pending domain events are not part of the ticket's view
    return d


# -- departments ---------------------------------------------------------------

def departments(web: Any) -> tuple[Any, ...]:
    holder = web.ctx.config_holder
    config = getattr(holder, "current", None) if holder is not None else None
    deps = getattr(config, "departments", None)
    if deps:
        return tuple(deps)
    from dialplan.departments import default_departments

    return default_departments()


def department(web: Any, dep_id: str) -> Any:
    for d in departments(web):
        if d.id == dep_id:
            return d
    raise ApiError(422, "department.unknown_id", f"no department {dep_id!r}", department=dep_id)


def department_json(d: Any) -> dict[str, Any]:
    from kontakt.http.i18n import to_latin

    return {"id": d.id, "name": d.name, "name_latn": to_latin(d.name), "name_en": d.name_en,
            "number": d.number,
            "kinds": list(d.kinds)}


async def colleague(c: Any, username: str) -> None:
    """Department staff assign only to staff of the same department."""
    if c.user.role != "department":
        return
    staff = await list_users(c.web.ctx.sessionmaker, role="department",
                             department=c.user.department)
    if username not in {u.username for u in staff}:
        raise ApiError(422, "ticket.assignee_not_colleague",
                       f"{username!r} is not in department {c.user.department}",
                       assignee=username)


def tickets(web: Any) -> Any:
    if web.ctx.tickets is None:
        raise ApiError(503, "tickets.unavailable", "the ticket service is not running")
    return web.ctx.tickets


async def ticket_counts(web: Any) -> Any:
    if web.ctx.tickets is None:
        return {}
    counts = web.ctx.tickets.counts()
    if hasattr(counts, "__await__"):
        counts = await counts
    return jsonable(counts)


# -- configuration -------------------------------------------------------------

def _holder(web: Any) -> Any:
    if web.ctx.config_holder is None:
        raise ApiError(503, "config.unavailable", "no configuration is loaded")
    return web.ctx.config_holder


def config_read(web: Any) -> dict[str, Any]:
    h = _holder(web)
    text = getattr(h, "text", None)
    if callable(text):
        text = text()
    return {"text": text or "", "version": getattr(h, "version", None)}


# Refused before the text is even composed (dialplan/yaml_limits.py): a 400,
# not a list of problems to fix line by line.
SHAPE_CODES = frozenset({"config.too_large", "config.too_deep", "config.too_many_aliases",
                         "config.many_documents"})


def config_problems(web: Any, text: str) -> list[dict[str, Any]]:
    """The text's problems; the server's file path is not shown (``file`` is
    the file's name only)."""
    h = _holder(web)
    problems = [p if isinstance(p, dict) else jsonable(p) if hasattr(p, "__dataclass_fields__")
                else {"message": str(p)} for p in h.validate_text(text)]
    for p in problems:
        if isinstance(p.get("file"), str):
            p["file"] = PurePath(p["file"]).name
        if p.get("code") in SHAPE_CODES:
            raise ApiError(400, p["code"], p.get("message", ""), line=p.get("line"))
    return problems


async def config_apply(web: Any, text: str) -> None:
    h = _holder(web)
    result = h.apply_text(text)
    if hasattr(result, "__await__"):
        await result


def citizen_actor() -> Any:
    """The public web channel, as the ticket service knows it."""
    return _actor_type()(user_id="open311", role="citizen", department=None)


def departments_from_settings(settings: Any) -> tuple[Any, ...]:
    """The departments ``kontakt user add`` checks against (no holder running)."""
    from dialplan.departments import default_departments

    return default_departments()
