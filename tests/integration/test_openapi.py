"""The OpenAPI document and the router describe exactly the same API."""
from __future__ import annotations

import re

from aiohttp import web

from tests.support import Api

PREFIX = "/api/v1"
OPENAPI = PREFIX + "/openapi.json"
METHODS = {"get", "post", "put", "delete", "patch"}


def _router_routes(app: web.Application) -> set[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if not path.startswith(PREFIX + "/") or path == OPENAPI or route.method == "HEAD":
            continue
        found.add((route.method.lower(), path))
    return found


async def test_every_route_is_documented_and_every_documented_route_exists(server) -> None:
    api = Api(str(server.make_url("/")))
    try:
        status, doc = await api.call("GET", "/openapi.json")  # public: no login needed
    finally:
        await api.close()
    assert status == 200 and doc["openapi"].startswith("3.")
    documented = {(method, path) for path, ops in doc["paths"].items() for method in ops if method in METHODS}
    routes = _router_routes(server.app)
    assert routes, "no API routes found in the router"
    assert routes - documented == set(), "routes missing from openapi.json"
    assert documented - routes == set(), "documented routes that do not exist"
    # Every action of the workflow is there, and every path parameter is declared.
    from casework.domain.commands import Action
    for action in Action:
        assert ("post", f"{PREFIX}/cases/{{case_id}}/{action.value}") in documented
    for path, ops in doc["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, op in ops.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (method, path)
            assert op["summary"] and op["responses"]["200"]
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
