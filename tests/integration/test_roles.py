"""Each role's whole path through the API, and what each role may not do."""
from __future__ import annotations

import pytest

from tests.integration.helpers import (act, actions, assignment, detail, dispatched, in_progress, list_ids,
                                       new_case, refused, search_ids)


async def test_call_taker_phone_routes(login, org) -> None:
    ct = await login("ct")
    d = org.departments
    centre = await new_case(ct)
    assert centre["state"] == "pending_dispatch" and centre["disposition"] == "forwarded"
    assert centre["source"] == "phone" and centre["assignments"] == []

    direct = await new_case(ct, route="department", departments=[d["water"]], instructions="请尽快处理")
    assert direct["state"] == "pending_signoff"
    [a] = direct["assignments"]
    assert a["department_id"] == d["water"] and a["is_lead"] and a["state"] == "pending_signoff"
    assert a["instructions"] == "请尽快处理"

    answered = await new_case(ct, route="front_desk", case_type="consultation", answer="请拨打供水热线",
                              concern_department_id=d["water"])
    assert answered["state"] == "closed" and answered["disposition"] == "front_desk"
    assert answered["result"] == "请拨打供水热线" and answered["closed_at"]

    invalid = await new_case(ct, route="invalid", title="", content="", caller_phone="")
    assert invalid["state"] == "closed" and invalid["disposition"] == "invalid"
    assert invalid["title"] == "无效来电"

    for case in (centre, direct, answered, invalid):
        assert actions(case) == ["register"] and case["flow"][0]["actor_name"] == "王话务"
    assert set(await list_ids(ct, "mine")) == {c["id"] for c in (centre, direct, answered, invalid)}
    assert await list_ids(ct, "calls_invalid") == [invalid["id"]]
    assert await list_ids(ct, "calls_front_desk") == [answered["id"]]
    # The call-taker cannot dispatch, close, approve: those are the supervision centre's.
    for action, body in (("dispatch", {"departments": [d["water"]]}), ("close", {"opinion": "x"})):
        err = await refused(ct, centre["id"], action, 403, **body)
        assert err["code"] == "role_forbidden"


@pytest.mark.parametrize("source", ["web", "fax", "sms", "email"])
async def test_non_phone_intake_lands_in_review(login, org, source) -> None:
    ct, sup = await login("ct"), await login("sup")
    status, body = await ct.call("POST", "/cases", {
        "title": "路灯不亮", "content": "滨海大道路灯连续三晚不亮", "case_type": "complaint",
        "route": "centre", "source": source})
    assert status == 400 and "route" in body["error"]["fields"]

    cases = [await new_case(ct, source=source, route="review", title=f"路灯不亮{i}") for i in range(3)]
    assert {c["state"] for c in cases} == {"pending_review"} and {c["source"] for c in cases} == {source}
    assert set(await list_ids(ct, "review")) == {c["id"] for c in cases}
    # A supervisor reviews as well; a department cannot.
    assert set(await list_ids(sup, "review")) == {c["id"] for c in cases}

    accepted = await act(ct, cases[0]["id"], "accept", opinion="受理")
    assert accepted["state"] == "pending_dispatch"
    sent = await act(ct, cases[1]["id"], "review_dispatch", departments=[org.departments["traffic"]],
                     opinion="请处理")
    assert sent["state"] == "pending_signoff" and assignment(sent, org.departments["traffic"])["is_lead"]
    dropped = await act(sup, cases[2]["id"], "invalidate", opinion="内容无意义")
    assert dropped["state"] == "closed" and dropped["disposition"] == "invalid"
    assert [actions(c) for c in (accepted, sent, dropped)] == [
        ["register", "accept"], ["register", "review_dispatch"], ["register", "invalidate"]]
    assert await list_ids(ct, "review") == []
    assert accepted["id"] in await list_ids(sup, "dispatch")
    # An invalid submission is not called back.
    assert dropped["id"] not in await list_ids(ct, "callback")
    err = await refused(ct, dropped["id"], "callback", 409)
    assert err["code"] == "invalid_case"


async def test_supervisor_dispatch_close_approve_reject(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    wc, wh = await login("water_clerk"), await login("water_h1")
    d = org.departments
    direct = await new_case(ct)
    closed = await act(sup, direct["id"], "close", opinion="已电话答复市民")
    assert closed["state"] == "closed" and closed["result"] == "已电话答复市民"
    assert closed["id"] in await list_ids(ct, "callback")
    err = await refused(sup, (await new_case(ct))["id"], "close", 400)
    assert "opinion" in err["fields"]

    case = await in_progress(ct, sup, wc, org, "water", "water_h1")
    cid = case["id"]
    case = await act(wh, cid, "complete", opinion="已修复管道")
    assert case["state"] == "pending_approval" and cid in await list_ids(sup, "approval")
    case = await act(sup, cid, "reject", opinion="请补充现场照片")
    assert case["state"] == "in_progress" and case["supervision_opinion"] == "请补充现场照片"
    assert assignment(case, d["water"])["state"] == "in_progress"
    assert cid in await list_ids(wh, "todo") and cid not in await list_ids(sup, "approval")
    await act(wh, cid, "complete", opinion="已修复管道并拍照存档")
    case = await act(sup, cid, "approve", opinion="同意办结")
    assert case["state"] == "closed" and case["result"] == "已修复管道并拍照存档"
    assert actions(case) == ["register", "dispatch", "sign", "complete", "reject", "complete", "approve"]
    assert [f["role"] for f in case["flow"]] == ["话务员", "监督管理人员", "职能单位签收人员", "职能单位办理人员",
                                                "监督管理人员", "职能单位办理人员", "监督管理人员"]
    assert case["flow"][1]["department"] == "市12345热线监督指挥中心"
    assert case["flow"][2]["department"] == "市水务局"


async def test_clerk_sign_return_transfer(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    wc, tc = await login("water_clerk"), await login("traffic_clerk")
    d = org.departments
    a, b, c = [await dispatched(ct, sup, [d["water"]], title=f"停水{i}") for i in range(3)]
    assert set(await list_ids(wc, "signoff")) == {a["id"], b["id"], c["id"]}

    signed = await act(wc, a["id"], "sign", handler_id=org.users["water_h2"], opinion="请办理")
    assert signed["state"] == "in_progress"
    assert assignment(signed, d["water"])["handler_id"] == org.users["water_h2"]

    returned = await act(wc, b["id"], "return", opinion="不属于本局职责")
    assert returned["state"] == "returned" and returned["return_count"] == 1
    assert assignment(returned, d["water"])["return_reason"] == "不属于本局职责"

    moved = await act(wc, c["id"], "transfer", department_id=d["traffic"], opinion="转交通局")
    assert moved["state"] == "pending_signoff"
    assert assignment(moved, d["water"])["state"] == "transferred"
    assert assignment(moved, d["traffic"])["state"] == "pending_signoff"
    assert await list_ids(wc, "signoff") == []
    assert await list_ids(tc, "signoff") == [c["id"]]
    # The clerk holding the handler role too can sign to himself.
    mine = await act(tc, c["id"], "sign", handler_id=org.users["traffic_clerk"])
    assert mine["state"] == "in_progress"
    assert actions(mine) == ["register", "dispatch", "transfer", "sign"]
    # The water department still sees the case it transferred (it was assigned to it once).
    assert (await detail(wc, c["id"]))["id"] == c["id"]
    # A handler cannot sign.
    other = await dispatched(ct, sup, [d["water"]])
    wh = await login("water_h1")
    assert (await refused(wh, other["id"], "sign", 403, handler_id=org.users["water_h1"]))["code"] == "role_forbidden"


async def test_handler_forward_save_opinion_complete(login, org) -> None:
    ct, sup, wc = await login("ct"), await login("sup"), await login("water_clerk")
    h1, h2 = await login("water_h1"), await login("water_h2")
    case = await in_progress(ct, sup, wc, org, "water", "water_h1")
    cid = case["id"]
    assert cid in await list_ids(h1, "todo") and cid not in await list_ids(h2, "todo")
    # The other handler of the same department is not the current handler.
    assert (await refused(h2, cid, "complete", 403, opinion="x"))["code"] == "not_handler"

    saved = await act(h1, cid, "save_opinion", opinion="已派人现场查看")
    assert assignment(saved, org.departments["water"])["opinion"] == "已派人现场查看"
    assert actions(saved) == ["register", "dispatch", "sign"]  # saving a draft writes no flow entry
    assert (await refused(h1, cid, "save_opinion", 400, opinion=" "))["fields"]["opinion"]

    fwd = await act(h1, cid, "forward", handler_id=org.users["water_h2"], opinion="请继续跟进")
    assert assignment(fwd, org.departments["water"])["handler_id"] == org.users["water_h2"]
    assert cid in await list_ids(h2, "todo") and cid not in await list_ids(h1, "todo")
    assert (await refused(h1, cid, "complete", 403, opinion="x"))["code"] == "not_handler"
    # Completing without an opinion takes the saved one.
    done = await act(h2, cid, "complete")
    assert done["state"] == "pending_approval"
    assert assignment(done, org.departments["water"])["opinion"] == "请继续跟进"
    assert actions(done)[-2:] == ["forward", "complete"]
    assert set(await list_ids(h1, "mine")) == {cid} and set(await list_ids(h2, "mine")) == {cid}
    # A handler cannot approve his own result.
    assert (await refused(h2, cid, "approve", 403, opinion="同意"))["code"] == "role_forbidden"


async def test_leader_urges_within_scope_only(login, org) -> None:
    ct, sup, wc = await login("ct"), await login("sup"), await login("water_clerk")
    wl, mayor = await login("water_leader"), await login("mayor")
    d = org.departments
    water = await in_progress(ct, sup, wc, org, "water", "water_h1")
    housing = await dispatched(ct, sup, [d["housing"]])
    concern = await new_case(ct, concern_department_id=d["water"])  # visible to water, never assigned

    urged = await act(wl, water["id"], "urge", opinion="请三日内办结")
    assert urged["urge_count"] == 1 and urged["urgings"][0]["author_name"] == "水务局长"
    assert actions(urged)[-1] == "urge"
    # Outside his scope: the case does not exist for him (404), or he may see it but not urge it (403).
    before = await detail(sup, housing["id"])
    status, body = await wl.call("GET", f"/cases/{housing['id']}")
    assert status == 404
    assert (await refused(wl, housing["id"], "urge", 404, opinion="督办"))["code"] == "case_not_found"
    assert (await refused(wl, concern["id"], "urge", 403, opinion="督办"))["code"] == "out_of_scope"
    assert await detail(sup, housing["id"]) == before
    assert set(await search_ids(wl)) == {water["id"], concern["id"]}
    assert set(await list_ids(wl, "supervision_all")) == {water["id"], concern["id"]}
    # A city leader's scope is the whole city.
    assert (await act(mayor, housing["id"], "urge", opinion="市领导督办"))["urge_count"] == 1
    assert set(await search_ids(mayor)) == {water["id"], housing["id"], concern["id"]}
    # Department staff cannot urge; leaders cannot dispatch.
    assert (await refused(wc, water["id"], "urge", 403, opinion="x"))["code"] == "role_forbidden"
    assert (await refused(mayor, concern["id"], "dispatch", 403, departments=[d["water"]]))["code"] == "role_forbidden"


async def test_department_never_assigned_gets_404(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    wc, hc, hh = await login("water_clerk"), await login("housing_clerk"), await login("housing_h1")
    d = org.departments
    water = await dispatched(ct, sup, [d["water"]], title="水管爆裂")
    housing = await dispatched(ct, sup, [d["housing"]], title="违章搭建")
    joint = await dispatched(ct, sup, [d["water"], d["housing"]], lead=d["housing"], title="小区积水")
    pending = await new_case(ct, title="未派发的办件")

    for api in (hc, hh):
        for forged in (water["id"], pending["id"], 999999):
            status, body = await api.call("GET", f"/cases/{forged}")
            assert status == 404 and body["error"]["code"] == "case_not_found"
            status, _ = await api.call("GET", f"/cases/{forged}/attachments")
            assert status == 404
        assert (await refused(api, water["id"], "sign", 404, handler_id=org.users["housing_h1"]))
    assert set(await search_ids(hc)) == {housing["id"], joint["id"]}
    assert set(await search_ids(wc)) == {water["id"], joint["id"]}
    assert set(await list_ids(hc, "signoff")) == {housing["id"], joint["id"]}
    assert set(await list_ids(wc, "signoff")) == {water["id"], joint["id"]}
    assert set(await search_ids(hc, q="水")) == {joint["id"]}
    # Department users cannot open the centre's lists.
    for name in ("dispatch", "approval", "review", "callback", "supervision_all"):
        status, body = await hc.call("GET", f"/lists/{name}")
        assert status == 403, (name, body)
    lists = {x["name"] for x in await hc.ok("GET", "/lists")}
    assert {"signoff", "todo", "mine", "front_desk"} <= lists and "dispatch" not in lists
