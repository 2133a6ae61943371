"""Server-rendered page shells; the data comes from ``/api/`` and the live
feed (``/api/events``), so a page shows exactly what its user may see
through the API and nothing more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from kontakt.http.i18n import LANG_NAMES, LANGS, labels
from kontakt.http.ops import session_of
from kontakt.http.redirect import safe_next

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]))
HOME = {"agent": "/agent", "department": "/department", "supervisor": "/wallboard",
        "admin": "/admin"}
PAGES = {  # path: (template, roles, title label)
    "/agent": ("agent.html", {"agent"}, "page_agent"),
    "/department": ("department.html", {"department"}, "page_department"),
    "/wallboard": ("wallboard.html", {"supervisor", "admin"}, "page_wallboard"),
    "/admin": ("admin.html", {"admin"}, "page_admin"),
}
LANG_COOKIE = "kontakt_lang"


def _lang(request: Request, session: Any) -> str:
    lang = request.query_params.get("lang")
    if lang in LANGS:
        if session is not None:
            session.lang = lang
        return lang
    if session is not None:
        return session.lang
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in LANGS else "sr-Cyrl"


def render(request: Request, template: str, title: str, session: Any = None,
           status: int = 200, **extra: Any) -> HTMLResponse:
    lang = _lang(request, session)
    L = labels(lang)
    user = session.user.public() if session is not None else None
    html = _env.get_template(template).render(
        L=L, lang=lang, langs=LANG_NAMES, title=L[title], user=user, path=request.url.path,
        home=HOME, boot=json.dumps({"L": L, "lang": lang, "user": user, **extra},
                                   ensure_ascii=False).replace("</", "<\\/"), **extra)
    resp = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGS:
        resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax",
                        secure=request.app.state.web.door.is_https(request.scope))
    return resp


async def root(request: Request) -> Response:
    s = session_of(request, request.app.state.web)
    if s is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME[s.user.role], status_code=303)


async def login_page(request: Request) -> Response:
    # The page's script goes to BOOT.next after logging in: checked here, once.
    return render(request, "login.html", "login", next=safe_next(request.query_params.get("next")))


async def citizen_page(request: Request) -> Response:
    settings = request.app.state.web.ctx.settings
    # Whether this browser has a chat to carry on: without one the page asks
    # nothing (no 404 in the console for a citizen who never chatted).
    has_chat = bool(request.cookies.get("kontakt_chat"))
    return render(request, "citizen.html", "page_citizen", chat_max=settings.chat_max_length,
                  has_chat=has_chat)


def _page(template: str, roles: set[str], title: str) -> Any:
    async def page(request: Request) -> Response:
        s = session_of(request, request.app.state.web)
        if s is None:
            return RedirectResponse(f"/login?next={quote(request.url.path, safe='/')}",
                                    status_code=303)
        if s.user.role not in roles:
            return render(request, "forbidden.html", "forbidden", s, status=403)
        return render(request, template, title, s)

    return page


ROUTES = [Route("/", root, methods=["GET"]),
          Route("/login", login_page, methods=["GET"]),
          Route("/citizen", citizen_page, methods=["GET"]),
          *[Route(p, _page(*spec), methods=["GET"]) for p, spec in PAGES.items()]]
