"""The citizens' page API: submit a request, then follow it with its number and query code."""
from __future__ import annotations

import json

from tests.integration.helpers import act, detail, list_ids
from tests.support import Api

REQUEST = {"title": "海秀路井盖缺失", "content": "海秀路与龙昆路交叉口井盖缺失，夜间危险", "case_type": "help",
           "caller_phone": "13876543210", "caller_name": "陈市民", "address": "龙华区海秀路"}


async def test_submit_and_follow(server, login, org) -> None:
    citizen = Api(str(server.make_url("/")))
    try:
        receipt = await citizen.ok("POST", "/public/cases", REQUEST, status=201)
        number, code = receipt["number"], receipt["query_code"]
        assert number.startswith("HK20260928-") and len(code) == 6 and code.isdigit()

        ct, sup = await login("ct"), await login("sup")
        [cid] = await list_ids(ct, "review")
        case = await detail(ct, cid)
        assert case["state"] == "pending_review" and case["source"] == "web" and case["number"] == number
        assert case["flow"][0]["actor_name"] == "市民" and case["caller_name"] == "陈市民"

        view = await citizen.ok("GET", f"/public/cases/{number}", params={"code": code})
        assert view["state"] == "pending_review" and view["state_label"] == "待初审" and view["reply"] == ""
        assert view["number"] == number and view["title"] == REQUEST["title"]

        # The case goes through the staff's hands, with internal opinions on the way.
        await act(ct, cid, "accept", opinion="初审意见：内部备注甲")
        await act(sup, cid, "dispatch", departments=[org.departments["traffic"]], opinion="派发意见：内部备注乙")
        await act(sup, cid, "urge", opinion="督办意见：内部备注丙")
        tc = await login("traffic_clerk")
        await act(tc, cid, "sign", handler_id=org.users["traffic_clerk"], opinion="签收意见：内部备注丁")
        await act(tc, cid, "complete", opinion="已补装井盖，感谢您的反映")
        view = await citizen.ok("GET", f"/public/cases/{number}", params={"code": code})
        assert view["state"] == "pending_approval" and view["reply"] == ""
        await act(sup, cid, "approve", opinion="监管意见：内部备注戊")
        view = await citizen.ok("GET", f"/public/cases/{number}", params={"code": code})
        assert view["state"] == "closed" and view["state_label"] == "已办结"
        assert view["reply"] == "已补装井盖，感谢您的反映" and view["closed_at"]
        assert [p["state_label"] for p in view["progress"]][:3] == ["待初审", "待派发", "待签收"]
        text = json.dumps(view, ensure_ascii=False)
        for secret in ("王话务", "张监督", "交通签收", "内部备注", "13876543210", "陈市民", "actor", "handler",
                       "opinion", "assignments", "urg"):
            assert secret not in text, secret

        # Wrong or missing codes, unknown numbers: all the same 404.
        for path, params in ((f"/public/cases/{number}", {"code": "000000" if code != "000000" else "111111"}),
                             (f"/public/cases/{number}", {}), (f"/public/cases/{number}", {"code": ""}),
                             ("/public/cases/HK20990101-000001", {"code": code}),
                             (f"/public/cases/{number.lower()}", {"code": code})):
            status, body = await citizen.call("GET", path, params=params)
            assert status == 404 and body["error"]["code"] == "case_not_found", (path, params, body)
            assert "编号或查询码" in body["error"]["message"]
    finally:
        await citizen.close()


async def test_public_submission_is_validated_and_limited(server, login, org) -> None:
    citizen = Api(str(server.make_url("/")))
    try:
        for change, field in (({"caller_phone": ""}, "caller_phone"), ({"caller_phone": "110abc"}, "caller_phone"),
                              ({"title": ""}, "title"), ({"case_type": "rant"}, "case_type"),
                              ({"title": "长" * 100 * 1024}, "title")):
            status, body = await citizen.call("POST", "/public/cases", {**REQUEST, **change})
            assert status == 400 and field in body["error"]["fields"], (change, body)
        status, body = await citizen.call("POST", "/public/cases", data=b"not json",
                                          headers={"Content-Type": "application/json"})
        assert status == 400
        # A citizen cannot choose where the request goes: routing fields are ignored.
        receipt = await citizen.ok("POST", "/public/cases", {
            **REQUEST, "route": "department", "departments": [org.departments["water"]], "source": "phone",
            "answer": "x", "concern_department_id": org.departments["water"]}, status=201)
        sup = await login("sup")
        found = await sup.ok("GET", "/cases", params={"number": receipt["number"]})
        [case] = found["items"]
        assert case["state"] == "pending_review" and case["source"] == "web" and case["departments"] == []
        assert (await detail(sup, case["id"]))["concern_department_id"] is None
        # The staff API stays closed to the public.
        status, _ = await citizen.call("GET", f"/cases/{case['id']}")
        assert status == 401
    finally:
        await citizen.close()


async def test_lookups_are_rate_limited_per_client(server) -> None:
    import aiohttp
    base = str(server.make_url("/api/v1/public/cases/HK20260928-000001"))
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(31):
            async with session.get(base, params={"code": "000000"}) as resp:
                statuses.append(resp.status)
    assert statuses[:30] == [404] * 30 and statuses[30] == 429
