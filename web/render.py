"""Server-side rendering: one jinja2 environment (autoescaped), the layout's context, flash messages."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import jinja2
from aiohttp import web

from casework.domain.enums import Role
from web.keys import TELEPHONY
from web.menu import menu_for
from web.request import SESSION

TEMPLATES_DIR = Path(__file__).with_name("templates")
FLASH_COOKIE = "hotline_flash"
TEMPLATES = web.AppKey("templates", jinja2.Environment)


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
                             autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.globals["Role"] = Role
    return env


def flash(response: web.StreamResponse, message: str, kind: str = "success") -> None:
    """A one-time message shown on the next page (after a redirect)."""
    response.set_cookie(FLASH_COOKIE, quote(json.dumps({"m": message, "k": kind}, ensure_ascii=False)),
                        httponly=True, samesite="Lax", path="/", max_age=60)


def _take_flash(request: web.Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(unquote(raw))
        return {"message": str(data["m"]), "kind": str(data.get("k", "success"))}
    except (ValueError, KeyError, TypeError):
        return None


def redirect(location: str, message: str | None = None, kind: str = "success") -> web.Response:
    response = web.Response(status=303, headers={"Location": location})
    if message:
        flash(response, message, kind)
    return response


def render(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    session = request.get(SESSION)
    user = session.user if session else None
    message = _take_flash(request)
    body = request.app[TEMPLATES].get_template(template).render(
        request=request, user=user, csrf=session.csrf_token if session else "",
        menu=menu_for(user.roles) if user else [], flash=message, path=request.path,
        pbx=request.app[TELEPHONY].health() if user and TELEPHONY in request.app else None,
        errors=context.pop("errors", {}), form=context.pop("form", {}), **context)
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    if message:
        response.del_cookie(FLASH_COOKIE, path="/")
    return response
