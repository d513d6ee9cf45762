"""Shared test helpers: a logged-in API client and a small organisation to act in."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from casework.domain.enums import Role
from web.keys import SERVICES

PASSWORD = "Passw0rd!2026"


class Api:
    """A real HTTP client with its own cookie jar and the CSRF header every unsafe request needs."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.user: dict[str, Any] = {}

    async def login(self, username: str, password: str = PASSWORD) -> "Api":
        status, body = await self.call("POST", "/auth/login", {"username": username, "password": password})
        assert status == 200, body
        self.csrf, self.user = body["csrf_token"], body["user"]
        return self

    async def call(self, method: str, path: str, json: Any = None, **kw: Any) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        headers.update(kw.pop("headers", None) or {})
        url = path if path.startswith("http") else f"{self.base}/api/v1{path}"
        async with self.session.request(method, url, json=json, headers=headers, **kw) as resp:
            if resp.content_type == "application/json":
                return resp.status, await resp.json()
            return resp.status, await resp.read()

    async def ok(self, method: str, path: str, json: Any = None, status: int = 200, **kw: Any) -> Any:
        got, body = await self.call(method, path, json, **kw)
        assert got == status, (got, body)
        return body

    async def close(self) -> None:
        await self.session.close()


@dataclass
class Org:
    """Departments and one user of every role, created through the real services."""
    departments: dict[str, int]
    users: dict[str, int]


DEPARTMENTS = {"centre": ("市12345热线监督指挥中心", "centre"), "water": ("市水务局", "department"),
               "housing": ("市住房和城乡建设局", "department"), "traffic": ("市交通运输局", "department"),
               "longhua": ("龙华区人民政府", "district")}


PHONES = {"ct": "8001", "ct2": "8003", "sup": "8101"}  # desk phones that the PBX simulator's agents ring


async def seed_org(app: web.Application) -> Org:
    svc = app[SERVICES]
    depts = {}
    for key, (name, kind) in DEPARTMENTS.items():
        depts[key] = (await svc.reference.add_department(name, kind)).id
    specs = {
        "admin": ("系统管理员", {Role.ADMIN}, None, frozenset()),
        "sup": ("张监督", {Role.SUPERVISOR}, depts["centre"], frozenset()),
        "sup2": ("李监督", {Role.SUPERVISOR}, depts["centre"], frozenset()),
        "ct": ("王话务", {Role.CALL_TAKER}, depts["centre"], frozenset()),
        "ct2": ("李话务", {Role.CALL_TAKER}, depts["centre"], frozenset()),
        "water_clerk": ("水务签收", {Role.CLERK}, depts["water"], frozenset()),
        "water_h1": ("水务办理一", {Role.HANDLER}, depts["water"], frozenset()),
        "water_h2": ("水务办理二", {Role.HANDLER}, depts["water"], frozenset()),
        "housing_clerk": ("住建签收", {Role.CLERK}, depts["housing"], frozenset()),
        "housing_h1": ("住建办理", {Role.HANDLER}, depts["housing"], frozenset()),
        "traffic_clerk": ("交通签收", {Role.CLERK, Role.HANDLER}, depts["traffic"], frozenset()),
        "mayor": ("市领导", {Role.LEADER}, None, None),
        "water_leader": ("水务局长", {Role.LEADER}, depts["water"], frozenset({depts["water"]})),
    }
    users = {}
    for username, (name, roles, dept, scope) in specs.items():
        user = await svc.accounts.add_user(username=username, name=name, password=PASSWORD,
                                           roles=frozenset(roles), department_id=dept, leader_scope=scope,
                                           phone_ext=PHONES.get(username, ""))
        users[username] = user.id
    return Org(depts, users)
