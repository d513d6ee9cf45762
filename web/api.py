"""Route tables that also describe themselves, so the OpenAPI document cannot drift from the router."""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PREFIX = "/api/v1"
OPENAPI_PATH = PREFIX + "/openapi.json"
# (method, path template) of the operations anyone may call; every other /api call needs a session.
PUBLIC_API = web.AppKey("public_api", set)


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: dict[str, Any] | None = None
    query: tuple[Param, ...] = ()
    public: bool = False
    upload: bool = False
    binary: bool = False


@dataclass
class ApiRoutes:
    tag: str
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(self, method: str, path: str, summary: str, *, body: dict[str, Any] | None = None,
              query: tuple[Param, ...] = (), public: bool = False, upload: bool = False,
              binary: bool = False) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(Endpoint(method.upper(), path, handler, summary, self.tag, body, query,
                                           public, upload, binary))
            return handler
        return register

    def install(self, app: web.Application) -> None:
        public = app.setdefault(PUBLIC_API, {("GET", OPENAPI_PATH)})
        for e in self.endpoints:
            app.router.add_route(e.method, PREFIX + e.path, e.handler)
            if e.public:
                public.add((e.method, PREFIX + e.path))


def is_public(request: web.Request) -> bool:
    """Whether anyone may call this API operation without logging in."""
    resource = request.match_info.route.resource
    method = "GET" if request.method == "HEAD" else request.method
    return (method, resource.canonical if resource else "") in request.app.get(PUBLIC_API, set())


def _type_schema(tp: Any) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        inner = _type_schema(args[0]) if args else {}
        return {**inner, "nullable": True}
    if origin is tuple or origin is list or origin is frozenset:
        return {"type": "array", "items": _type_schema(args[0]) if args else {}}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {"type": "string", "enum": [m.value for m in tp]}
    simple = {bool: "boolean", int: "integer", str: "string", float: "number"}
    if tp in simple:
        return {"type": simple[tp]}
    if getattr(tp, "__name__", "") in ("date", "datetime"):
        return {"type": "string", "format": "date" if tp.__name__ == "date" else "date-time"}
    return {}


def schema_of(cls: type, *, exclude: tuple[str, ...] = (), required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON schema of a dataclass's fields: the request body is exactly the command."""
    hints = typing.get_type_hints(cls)
    props = {f.name: _type_schema(hints[f.name]) for f in dataclasses.fields(cls)
             if f.name not in exclude and f.init}
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


ERROR_SCHEMA = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "code": {"type": "string"}, "message": {"type": "string"},
    "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}}


def _operation(e: Endpoint) -> dict[str, Any]:
    params = [{"name": n, "in": "path", "required": True, "schema": {"type": "integer" if n.endswith("id") else "string"}}
              for n in _path_names(e.path)]
    params += [{"name": p.name, "in": "query", "required": False, "schema": p.schema, "description": p.description}
               for p in e.query]
    op: dict[str, Any] = {"summary": e.summary, "tags": [e.tag], "parameters": params,
                          "operationId": f"{e.method.lower()}_{e.handler.__name__}"}
    if e.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": e.body}}}
    if e.upload:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}}
    ok = {"description": "成功"}
    ok["content"] = ({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
                     if e.binary else {"application/json": {"schema": {"type": "object"}}})
    err = {"content": {"application/json": {"schema": ERROR_SCHEMA}}}
    op["responses"] = {"200": ok, "400": {"description": "输入有误", **err},
                       "404": {"description": "不存在", **err}, "409": {"description": "状态冲突", **err}}
    if not e.public:
        op["responses"]["401"] = {"description": "未登录", **err}
        op["responses"]["403"] = {"description": "无权限", **err}
        op["security"] = [{"session": []}]
    if e.upload:
        op["responses"]["413"] = {"description": "文件过大", **err}
    return op


def _path_names(path: str) -> list[str]:
    return [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{")]


def openapi_document(tables: list[ApiRoutes]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for table in tables:
        for e in table.endpoints:
            paths.setdefault(PREFIX + e.path, {})[e.method.lower()] = _operation(e)
    return {
        "openapi": "3.0.3",
        "info": {"title": "12345 政务服务便民热线平台 API", "version": "1.0.0"},
        "paths": paths,
        "components": {"securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "hotline_session",
                        "description": "登录后获得；修改类请求还须带 X-CSRF-Token 头"}}},
    }
