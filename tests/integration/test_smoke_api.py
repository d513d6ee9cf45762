"""The whole path of one joint case through the API, as each role."""
from __future__ import annotations


async def test_joint_case_lifecycle(login, org, clock) -> None:
    ct, sup = await login("ct"), await login("sup")
    wc, wh = await login("water_clerk"), await login("water_h1")
    hc, hh = await login("housing_clerk"), await login("housing_h1")
    d = org.departments
    case = await ct.ok("POST", "/cases", {
        "title": "小区夜间施工噪音扰民", "content": "龙华区金贸街道某小区夜间施工，噪音很大", "case_type": "complaint",
        "route": "centre", "caller_phone": "13800138000", "caller_name": "王五", "address": "龙华区金贸西路"}, status=201)
    assert case["state"] == "pending_dispatch" and case["number"].startswith("HK20260928-")
    cid = case["id"]
    case = await sup.ok("POST", f"/cases/{cid}/dispatch", {"departments": [d["water"], d["housing"]],
                                                            "lead": d["housing"], "opinion": "请核查处理"})
    assert case["state"] == "pending_signoff"
    await wc.ok("POST", f"/cases/{cid}/sign", {"handler_id": org.users["water_h1"]})
    await hc.ok("POST", f"/cases/{cid}/sign", {"handler_id": org.users["housing_h1"]})
    status, body = await hh.call("POST", f"/cases/{cid}/complete", {"opinion": "已责令停工"})
    assert status == 409 and body["error"]["code"] == "co_handlers_open"
    await wh.ok("POST", f"/cases/{cid}/complete", {"opinion": "配合核查"})
    case = await hh.ok("POST", f"/cases/{cid}/complete", {"opinion": "已责令停工"})
    assert case["state"] == "pending_approval"
    case = await sup.ok("POST", f"/cases/{cid}/approve", {"opinion": "同意"})
    assert case["state"] == "closed" and case["result"] == "已责令停工"
    case = await ct.ok("POST", f"/cases/{cid}/callback", {"resolved": True, "satisfaction": "satisfied"})
    assert case["state"] == "feedback_done"
    assert [f["action"] for f in case["flow"]] == ["register", "dispatch", "sign", "sign", "complete", "complete",
                                                   "approve", "callback"]
    found = await sup.ok("GET", "/cases", params={"q": "噪音"})
    assert [i["id"] for i in found["items"]] == [cid]
