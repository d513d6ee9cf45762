"""The two middlewares: sessions with CSRF checks, and one place that turns errors into responses."""
from __future__ import annotations

import logging

from aiohttp import web

from casework.errors import AppError, Forbidden, TooLarge
from web.keys import SERVICES
from web.request import SESSION, respond

COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_EXEMPT = frozenset({"/api/v1/auth/login", "/login"})
log = logging.getLogger(__name__)


def error_body(err: AppError) -> dict[str, object]:
    return {"error": err.to_dict()}


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AppError as err:
        return respond(error_body(err), status=err.status)
    except web.HTTPRequestEntityTooLarge:
        return respond(error_body(TooLarge()), status=413)
    except web.HTTPException as exc:
        if exc.status >= 400 and request.path.startswith("/api/"):
            messages = {404: ("not_found", "接口不存在"), 405: ("method_not_allowed", "不支持该请求方法")}
            code, message = messages.get(exc.status, ("http_error", exc.reason))
            return respond({"error": {"code": code, "message": message}}, status=exc.status)
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond({"error": {"code": "internal", "message": "系统内部错误，请稍后再试"}}, status=500)


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
    return await handler(request)
