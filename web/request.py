"""Small helpers every handler uses to read requests and write JSON responses."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from casework.accounts.service import Session
from casework.cases.parse import checked_int
from casework.cases.visibility import may_read_calls
from casework.domain.enums import Role
from casework.domain.model import Actor
from casework.errors import Forbidden, Invalid, Unauthorized
from recordings.service import RecordingService
from web.keys import RECORDINGS, SERVICES, Services

SESSION = web.RequestKey("session", object)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def recording_service(request: web.Request) -> RecordingService:
    return request.app[RECORDINGS]


def session(request: web.Request) -> Session:
    found: Session | None = request.get(SESSION)
    if found is None:
        raise Unauthorized()
    return found


def actor(request: web.Request, *roles: Role) -> Actor:
    """The logged-in user as the domain sees them; 403 unless they hold one of `roles` (if given)."""
    who = session(request).user.actor()
    if roles and not who.has(*roles):
        raise Forbidden()
    return who


def call_reader(request: web.Request) -> Actor:
    """The logged-in user, if they may read call records (a department's leader may not)."""
    who = actor(request)
    if not may_read_calls(who):
        raise Forbidden("只有监督指挥中心和市领导可以查看来电记录")
    return who


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise Invalid("请求内容不是有效的 JSON", code="bad_json") from None
    if not isinstance(body, dict):
        raise Invalid("请求内容应为 JSON 对象", code="bad_json")
    return body


def path_int(request: web.Request, name: str) -> int:
    try:
        return checked_int(request.match_info[name])
    except (KeyError, ValueError):
        raise Invalid(fields={name: "应为整数"}) from None


def respond(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False, default=str))
