"""Middlewares: one place that turns errors into responses, sessions with CSRF checks, security headers."""
from __future__ import annotations

import logging

from aiohttp import web

from casework.errors import AppError, Forbidden, TooLarge, Unauthorized
from web.api import is_public
from web.keys import SERVICES
from web.request import SESSION, respond

COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_EXEMPT = frozenset({"/api/v1/auth/login", "/login"})
CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
HEADINGS = {400: "输入有误", 401: "请先登录", 403: "无权访问", 404: "页面不存在", 409: "操作冲突", 413: "文件过大",
            415: "文件类型不允许", 429: "操作过于频繁", 500: "系统错误"}
log = logging.getLogger(__name__)


def error_body(err: AppError) -> dict[str, object]:
    return {"error": err.to_dict()}


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def _page_error(request: web.Request, status: int, message: str) -> web.StreamResponse:
    from web.render import render
    if status == 401 and request.method == "GET":
        raise web.HTTPSeeOther(f"/login?next={request.path_qs}")
    return render(request, "error.html", status=status, heading=HEADINGS.get(status, "出错了"), message=message,
                  title=HEADINGS.get(status, "出错了"))


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AppError as err:
        if _is_api(request):
            return respond(error_body(err), status=err.status)
        return _page_error(request, err.status, err.message)
    except web.HTTPRequestEntityTooLarge:
        err = TooLarge()
        return respond(error_body(err), status=413) if _is_api(request) else _page_error(request, 413, err.message)
    except web.HTTPException as exc:
        if exc.status >= 400:
            messages = {404: ("not_found", "页面或接口不存在"), 405: ("method_not_allowed", "不支持该请求方法")}
            code, message = messages.get(exc.status, ("http_error", exc.reason))
            if _is_api(request):
                return respond({"error": {"code": code, "message": message}}, status=exc.status)
            return _page_error(request, exc.status, message)
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        message = "系统内部错误，请稍后再试"
        if _is_api(request):
            return respond({"error": {"code": "internal", "message": message}}, status=500)
        return _page_error(request, 500, message)


@web.middleware
async def sessions(request: web.Request, handler) -> web.StreamResponse:
    """Resolve the session cookie; unsafe requests made with it must carry its CSRF token."""
    token = request.cookies.get(COOKIE)
    found = await request.app[SERVICES].accounts.resolve(token) if token else None
    request[SESSION] = found
    if found is not None and request.method not in SAFE_METHODS and request.path not in CSRF_EXEMPT:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.content_type == "application/x-www-form-urlencoded":
            sent = (await request.post()).get("_csrf")
        if sent != found.csrf_token:
            raise Forbidden("页面已过期，请刷新后重试", code="csrf")
    if found is None and _is_api(request) and not is_public(request):
        raise Unauthorized()  # before the handler reads a body or an id
    if found is None and request.method not in SAFE_METHODS and not _is_api(request) \
            and request.path not in CSRF_EXEMPT and not request.path.startswith("/public"):
        raise Unauthorized()
    return await handler(request)


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
