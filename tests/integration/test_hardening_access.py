"""Every operation of openapi.json called by every role: another department's case, attachments,
recording and call stay out of reach (403/404, the same answer as for an id that does not exist),
anonymous calls get 401, nothing answers 500, every error is {"error": {...}}."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp

from tests.integration.hardening import CALLER, PNG, Operation, WaterCase, operations, water_case, well_formed
from tests.integration.helpers import detail, dispatched
from tests.support import PASSWORD, Api, Org

OUTSIDERS = ("housing_clerk", "housing_h1", "traffic_clerk", "housing_leader")
INSIDERS = ("ct", "sup", "water_clerk", "water_h1", "water_leader", "mayor", "admin")
OWNED = ("case_id", "attachment_id", "recording_id", "call_id")
MISSING = 987654


def _body(values: dict[str, Any], org: Org, dept: str) -> dict[str, Any]:
    """One body that would pass validation for every action: the handler must refuse on access alone."""
    d = org.departments[dept]
    return {"opinion": "越权测试", "handler_id": org.users.get(f"{dept}_h1", org.users["traffic_clerk"]),
            "department_id": d, "departments": [d], "days": 2, "approved": True, "target_id": values["case_id"],
            "resolved": True, "satisfaction": "satisfied", "call_id": values["call_id"], "reason": "测试",
            "case_number": values["number"], "name": "越权", "title": "越权", "content": "越权", "password": "short",
            "case_type": "complaint", "route": "centre", "caller_phone": CALLER, "category_id": 1, "body": "越权"}


async def _send(api: Api, op: Operation, values: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any, str]:
    path = op.path(values)
    if op.upload:
        form = aiohttp.FormData()
        form.add_field("file", PNG, filename="越权.png", content_type="image/png")
        status, got = await api.call(op.method.upper(), path, data=form)
    else:
        status, got = await api.call(op.method.upper(), path, body if op.method != "get" else None)
    text = json.dumps(got, ensure_ascii=False) if not isinstance(got, bytes) else got.decode("latin-1")
    return status, got, text


async def _housing_leader(admin: Api, org: Org, login) -> Api:
    await admin.ok("POST", "/users", {"username": "housing_leader", "name": "住建局长", "password": PASSWORD,
                                      "roles": ["leader"], "department_id": org.departments["housing"],
                                      "leader_scope": [org.departments["housing"]]}, status=201)
    return await login("housing_leader")


async def _world(server, org: Org, login, tmp: Path) -> tuple[dict[str, Api], WaterCase, dict[str, Any]]:
    apis = {name: await login(name) for name in INSIDERS[:-1]}
    apis["admin"] = await login("admin")
    apis["housing_leader"] = await _housing_leader(apis["admin"], org, login)
    for name in OUTSIDERS[:-1]:
        apis[name] = await login(name)
    water = await water_case(server, org, apis["ct"], apis["sup"], apis["water_clerk"], apis["water_h1"], tmp)
    await dispatched(apis["ct"], apis["sup"], [org.departments["housing"]], title="违章搭建")
    cat = await apis["sup"].ok("POST", "/knowledge/categories", {"name": "供水"}, status=201)
    art = await apis["sup"].ok("POST", "/knowledge/articles", {"category_id": cat["id"], "title": "停水查询",
                                                               "body": "拨打供水热线"}, status=201)
    values = {"case_id": water.case["id"], "attachment_id": water.attachment_id, "recording_id": water.recording_id,
              "call_id": water.call_id, "user_id": org.users["water_h1"], "department_id": org.departments["water"],
              "category_id": cat["id"], "article_id": art["id"], "name": "signoff", "day": "2026-10-01",
              "number": water.case["number"]}
    return apis, water, values


async def _snapshot(sup: Api, water: WaterCase) -> list[Any]:
    case = await detail(sup, water.case["id"])
    case.pop("actions")
    return [case, await sup.ok("GET", f"/cases/{water.case['id']}/attachments"),
            await sup.ok("GET", f"/recordings/{water.recording_id}"), await sup.ok("GET", f"/calls/{water.call_id}")]


async def test_every_route_by_every_role(server, org, login, tmp_path) -> None:
    apis, water, values = await _world(server, org, login, tmp_path)
    ops = await operations(apis["sup"])
    assert len(ops) >= 80
    secrets = (water.case["number"], "水表井盖缺失", "赵六", CALLER)
    before = await _snapshot(apis["sup"], water)
    tried = 0
    for name in OUTSIDERS:
        api, dept = apis[name], name.split("_")[0]
        for op in ops:
            if op.label == "POST /api/v1/auth/logout":
                continue
            status, got, text = await _send(api, op, values, _body(values, org, dept))
            tried += 1
            assert well_formed(status, got), (name, op.label, status, got)
            assert not any(s in text for s in secrets), (name, op.label, "leaks the water case", text[:300])
            if set(op.names()) & set(OWNED):
                assert status in (403, 404), (name, op.label, status, got)
                missing = {**values, **{k: MISSING for k in OWNED}}
                other, _, _ = await _send(api, op, missing, _body(missing, org, dept))
                assert other == status, (name, op.label, "answers differ for a real and a missing id", status, other)
    assert await _snapshot(apis["sup"], water) == before
    for name in INSIDERS:
        for op in ops:
            if op.label == "POST /api/v1/auth/logout":
                continue
            status, got, _ = await _send(apis[name], op, values, _body(values, org, "water"))
            tried += 1
            assert well_formed(status, got), (name, op.label, status, got)
    anon = Api(str(server.make_url("/")))
    try:
        for op in ops:
            status, got, _ = await _send(anon, op, values, _body(values, org, "water"))
            tried += 1
            if not op.public:
                assert status == 401 and got["error"]["code"] == "unauthorized", (op.label, status, got)
                # Before reading anything: a malformed body or id is not looked at either.
                bad = {k: "x" for k in values}
                status, got = await anon.call(op.method.upper(), op.path(bad), data=b"{not json",
                                              headers={"Content-Type": "application/json"})
                tried += 1
                assert status == 401 and got["error"]["code"] == "unauthorized", (op.label, "malformed", status, got)
    finally:
        await anon.close()
    roles = len(OUTSIDERS) + len(INSIDERS) + 1
    print(f"\nroutes×roles tried: {len(ops)} routes × {roles} roles, {tried} calls")
    for name in (*OUTSIDERS, *INSIDERS):
        await apis[name].ok("POST", "/auth/logout")
        status, got = await apis[name].call("GET", "/auth/me")
        assert status == 401, (name, got)


async def test_guessing_ids_finds_only_ones_own_department(server, org, login, tmp_path) -> None:
    apis, water, values = await _world(server, org, login, tmp_path)
    sup = apis["sup"]
    top = max(c["id"] for c in (await sup.ok("GET", "/cases", params={"per_page": 100}))["items"])
    guessed = 0
    for name in OUTSIDERS:
        api = apis[name]
        visible = {c["id"] for c in (await api.ok("GET", "/cases", params={"per_page": 100}))["items"]}
        assert water.case["id"] not in visible, (name, visible)
        for i in range(1, top + 4):
            for path in (f"/cases/{i}", f"/cases/{i}/attachments", f"/cases/{i}/recordings"):
                status, _ = await api.call("GET", path)
                guessed += 1
                assert status == (200 if i in visible else 404), (name, path, status)
        for i in range(1, water.attachment_id + 4):
            guessed += 1
            assert (await api.call("GET", f"/attachments/{i}"))[0] == 404, (name, i)
        for i in range(1, water.recording_id + 4):
            for path in (f"/recordings/{i}", f"/recordings/{i}/audio", f"/recordings/{i}/download"):
                guessed += 1
                assert (await api.call("GET", path))[0] == 404, (name, path)
    print(f"\nids guessed by department users: {guessed}")
    # The department itself and the centre do see them.
    for name in ("water_clerk", "water_h1", "water_leader", "sup", "mayor"):
        assert (await apis[name].call("GET", f"/attachments/{water.attachment_id}"))[0] == 200, name
        assert (await apis[name].call("GET", f"/recordings/{water.recording_id}"))[0] == 200, name


async def test_the_last_admin_cannot_be_removed(server, org, login) -> None:
    admin = await login("admin")
    me = org.users["admin"]
    for change in ({"roles": ["supervisor"]}, {"active": False}, {"roles": []}):
        body = {"name": "系统管理员", "roles": ["admin"], "active": True, **change}
        status, got = await admin.call("PUT", f"/users/{me}", body)
        assert status == 400 and "roles" in got["error"]["fields"], (change, got)
    assert (await admin.ok("GET", "/auth/me"))["user"]["roles"] == ["admin"]
    # With a second administrator, either may step down, and then the other is the last one.
    other = await admin.ok("POST", "/users", {"username": "admin2", "name": "第二管理员", "password": PASSWORD,
                                              "roles": ["admin"]}, status=201)
    await admin.ok("PUT", f"/users/{me}", {"name": "系统管理员", "roles": ["supervisor"],
                                           "department_id": org.departments["centre"]})
    admin2 = await login("admin2")
    status, got = await admin2.call("PUT", f"/users/{other['id']}", {"name": "第二管理员", "active": False,
                                                                       "roles": ["admin"]})
    assert status == 400 and "roles" in got["error"]["fields"], got
    assert (await admin2.ok("GET", "/auth/me"))["user"]["active"] is True


def _xlsx_text(data: bytes) -> str:
    from io import BytesIO

    from openpyxl import load_workbook
    book = load_workbook(BytesIO(data), read_only=True)
    return " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c)


async def _page(api: Api, method: str, url: str, form: dict[str, str] | None = None) -> tuple[int, str]:
    kw: dict[str, Any] = {"allow_redirects": False}
    if method == "POST":
        kw["data"] = {**(form or {}), "_csrf": api.csrf}
    async with api.session.request(method, api.base + url, **kw) as resp:
        data = await resp.read()
        if resp.content_type.endswith("spreadsheetml.sheet"):
            return resp.status, _xlsx_text(data)
        return resp.status, data.decode("utf-8", "replace")


async def test_pages_keep_other_departments_out(server, org, login, tmp_path) -> None:
    """The HTML routes take the same ids: pages, forms, print, exports, recording players."""
    apis, water, values = await _world(server, org, login, tmp_path)
    cid, aid, rid, call = water.case["id"], water.attachment_id, water.recording_id, water.call_id
    secrets = (water.case["number"], "水表井盖缺失", "赵六", CALLER)
    owned = [("GET", f"/cases/{cid}"), ("GET", f"/print/forms?ids={cid}"), ("GET", f"/print/list?ids={cid}"),
             ("GET", f"/recordings/case/{cid}"), ("GET", f"/recordings/panel/case/{cid}"),
             ("GET", f"/recordings/call/{call}"), ("GET", f"/recordings/panel/call/{call}"),
             ("POST", f"/cases/{cid}/attachments/{aid}/delete"), ("POST", f"/recordings/{rid}/link")]
    owned += [("POST", f"/cases/{cid}/do/{action}") for action in
              ("sign", "return", "transfer", "forward", "save_opinion", "complete", "urge", "request_extension",
               "approve", "close", "dispatch", "callback", "merge")]
    listing = ["/search", f"/search?q=水表井盖", f"/search?number={water.case['number']}", "/lists/signoff",
               "/lists/todo", "/lists/mine", "/lists/front_desk", "/export/cases.xlsx?list=mine",
               f"/export/cases.xlsx?q=水表井盖", f"/stats/cases?department={org.departments['water']}",
               f"/stats/cases/export.xlsx?department={org.departments['water']}", "/hotspots/cases?topic=水表",
               f"/calls/records?case_id={cid}", "/stats", "/hotspots", "/recordings", "/board", "/desk"]
    before = await _snapshot(apis["sup"], water)
    tried = 0
    for name in OUTSIDERS:
        api, dept = apis[name], name.split("_")[0]
        form = {k: str(v) for k, v in _body(values, org, dept).items() if not isinstance(v, list)}
        for method, url in owned:
            status, text = await _page(api, method, url, form)
            tried += 1
            assert status in (403, 404), (name, method, url, status, text[:300])
            assert not any(s in text for s in secrets), (name, url, "leaks the water case")
        for url in listing:
            status, text = await _page(api, "GET", url)
            tried += 1
            leaked = [s for s in secrets if s in text and s not in url]  # the search form shows what was asked
            assert status < 500 and not leaked, (name, url, status, leaked)
    assert await _snapshot(apis["sup"], water) == before
    for url in (f"/print/forms?ids={MISSING}0000000000000000000", f"/cases/{MISSING}0000000000000000000"):
        status, _ = await _page(apis["sup"], "GET", url)
        assert status in (400, 404), (url, status)
    print(f"\npage routes tried by department users: {tried}")
