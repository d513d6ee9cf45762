"""登录 and 登出 (manual 1.2), and the home page that sends each role to its first menu."""
from __future__ import annotations

from aiohttp import web

from web.handlers.accounts import guarded_login
from casework.errors import AppError
from web.menu import home_for
from web.middleware import COOKIE
from web.keys import SETTINGS
from web.pages.forms import form_data
from web.render import redirect, render
from web.request import SESSION, services

routes = web.RouteTableDef()


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    found = request.get(SESSION)
    if found is None:
        raise web.HTTPSeeOther("/login")
    raise web.HTTPSeeOther(home_for(found.user.roles))


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return render(request, "login.html", title="用户登录", next=_safe_next(request.query.get("next")))


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    data = await form_data(request)
    target = _safe_next(data.get("next"))
    try:
        found = await guarded_login(request, data.get("username", ""), data.get("password", ""))
    except AppError as err:
        return render(request, "login.html", status=err.status, title="用户登录", next=target,
                      form={"username": data.get("username", "")}, errors={"_form": err.message})
    response = redirect(target if target != "/" else home_for(found.user.roles))
    security = request.app[SETTINGS].security
    response.set_cookie(COOKIE, found.token, httponly=True, samesite="Lax", secure=security.cookie_secure,
                        max_age=security.session_hours * 3600, path="/")
    return response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    found = request.get(SESSION)
    if found is not None:
        await services(request).accounts.logout(found.token)
    response = redirect("/login", "您已安全登出")
    response.del_cookie(COOKIE, path="/")
    return response
