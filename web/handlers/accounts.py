"""Login, logout, the current user, and user administration."""
from __future__ import annotations

from aiohttp import web

from casework.accounts.model import parse_roles
from casework.accounts.service import Session
from casework.cases.parse import Fields
from casework.domain.enums import Role
from casework.errors import Forbidden, Unauthorized
from web.api import ApiRoutes
from web.middleware import COOKIE
from web.keys import SETTINGS
from web.request import actor, json_body, path_int, respond, services, session
from web.throttle import PUBLIC_GUARD, client_key

routes = ApiRoutes("用户")

LOGIN = {"type": "object", "required": ["username", "password"],
         "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
USER = {"type": "object", "properties": {
    "username": {"type": "string"}, "name": {"type": "string"}, "password": {"type": "string"},
    "roles": {"type": "array", "items": {"type": "string", "enum": [r.value for r in Role]}},
    "department_id": {"type": "integer", "nullable": True},
    "leader_scope": {"type": "array", "items": {"type": "integer"}, "nullable": True,
                     "description": "分管单位；null 表示全市"},
    "active": {"type": "boolean"}, "phone_ext": {"type": "string"}}}


def _scope(f: Fields, data: dict) -> frozenset[int] | None:
    if "leader_scope" in data and data["leader_scope"] is None:
        return None
    return frozenset(f.integers("leader_scope"))


async def guarded_login(request: web.Request, username: str, password: str) -> Session:
    """Logging in, counted against the client address's failures (pages and API alike)."""
    failures, key = request.app[PUBLIC_GUARD].login_failures, client_key(request)
    failures.check(key, "该地址登录失败次数过多，请 10 分钟后再试")
    try:
        return await services(request).accounts.login(username, password)
    except Unauthorized:
        failures.add(key)
        raise


@routes.route("POST", "/auth/login", "登录（用户ID和密码）", body=LOGIN, public=True)
async def login(request: web.Request) -> web.Response:
    f = Fields(await json_body(request))
    username, password = f.text("username"), f.text("password")
    f.done()
    found = await guarded_login(request, username, password)
    response = respond({"user": found.user.to_dict(), "csrf_token": found.csrf_token})
    security = request.app[SETTINGS].security
    response.set_cookie(COOKIE, found.token, httponly=True, samesite="Lax", secure=security.cookie_secure,
                        max_age=security.session_hours * 3600, path="/")
    return response


@routes.route("POST", "/auth/logout", "登出")
async def logout(request: web.Request) -> web.Response:
    await services(request).accounts.logout(session(request).token)
    response = respond({"ok": True})
    response.del_cookie(COOKIE, path="/")
    return response


@routes.route("GET", "/auth/me", "当前登录用户")
async def me(request: web.Request) -> web.Response:
    found = session(request)
    return respond({"user": found.user.to_dict(), "csrf_token": found.csrf_token})


@routes.route("GET", "/users", "用户列表（系统管理员）")
async def list_users(request: web.Request) -> web.Response:
    actor(request, Role.ADMIN)
    return respond([u.to_dict() for u in await services(request).accounts.users()])


@routes.route("POST", "/users", "新增用户（系统管理员）", body=USER)
async def add_user(request: web.Request) -> web.Response:
    actor(request, Role.ADMIN)
    data = await json_body(request)
    f = Fields(data)
    values = dict(username=f.text("username").strip(), name=f.text("name"), password=f.text("password"),
                  department_id=f.integer("department_id"), leader_scope=_scope(f, data),
                  phone_ext=f.text("phone_ext"))
    f.done()
    user = await services(request).accounts.add_user(roles=parse_roles(data.get("roles")), **values)
    return respond(user.to_dict(), status=201)


@routes.route("PUT", "/users/{user_id}", "修改用户的姓名、角色、单位、分管范围、启用状态（系统管理员）", body=USER)
async def update_user(request: web.Request) -> web.Response:
    actor(request, Role.ADMIN)
    data = await json_body(request)
    f = Fields(data)
    values = dict(name=f.text("name"), department_id=f.integer("department_id"), leader_scope=_scope(f, data),
                  active=f.boolean("active", True), phone_ext=f.text("phone_ext"))
    f.done()
    user = await services(request).accounts.update_user(path_int(request, "user_id"),
                                                        roles=parse_roles(data.get("roles")), **values)
    return respond(user.to_dict())


@routes.route("POST", "/users/{user_id}/password", "重设密码（系统管理员）",
              body={"type": "object", "properties": {"password": {"type": "string"}}})
async def reset_password(request: web.Request) -> web.Response:
    actor(request, Role.ADMIN)
    f = Fields(await json_body(request))
    password = f.text("password")
    f.done()
    await services(request).accounts.set_password(path_int(request, "user_id"), password)
    return respond({"ok": True})


@routes.route("GET", "/departments/{department_id}/staff", "本单位人员名单（选择下一处理人）")
async def department_staff(request: web.Request) -> web.Response:
    who = actor(request)
    dept_id = path_int(request, "department_id")
    if not who.has(Role.SUPERVISOR, Role.ADMIN) and who.department_id != dept_id:
        raise Forbidden("只能查看本单位人员")
    users = await services(request).accounts.users(dept_id)
    return respond([{"id": u.id, "name": u.name, "roles": sorted(r.value for r in u.roles)}
                    for u in users if u.active])
