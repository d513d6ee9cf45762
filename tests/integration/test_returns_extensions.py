"""Joint cases with returns (退回 / 派单异议) and extension requests (延期) over the National Day holiday."""
from __future__ import annotations

from tests.integration.helpers import (act, actions, assignment, detail, dispatched, in_progress, list_ids,
                                       refused, relogin)


async def test_one_department_of_joint_case_returns_then_redispatch(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    wc, hc, tc = await login("water_clerk"), await login("housing_clerk"), await login("traffic_clerk")
    d = org.departments
    case = await dispatched(ct, sup, [d["water"], d["housing"]], lead=d["housing"])
    cid = case["id"]
    assert {a["role_label"] for a in case["assignments"]} == {"主办", "协办"}
    await act(hc, cid, "sign", handler_id=org.users["housing_h1"])

    case = await act(wc, cid, "return", opinion="供水管网不归本局，属物业管理")
    assert case["state"] == "returned" and case["return_count"] == 1
    assert assignment(case, d["water"])["state"] == "returned"
    assert assignment(case, d["housing"])["state"] == "in_progress"  # only that assignment went back
    items = (await sup.ok("GET", "/lists/dispatch"))["items"]
    [row] = [i for i in items if i["id"] == cid]
    assert row["returned"] is True and row["return_count"] == 1 and row["state_label"] == "已退回"
    assert items[0]["id"] == cid  # returned cases come first in 待派发
    assert cid not in await list_ids(wc, "signoff")
    # The other department goes on working meanwhile.
    hh = await login("housing_h1")
    await act(hh, cid, "save_opinion", opinion="正在核查")

    case = await act(sup, cid, "dispatch", departments=[d["traffic"]], lead=d["housing"], opinion="改派交通局")
    assert case["state"] == "in_progress"
    assert assignment(case, d["water"])["state"] == "withdrawn"
    assert assignment(case, d["traffic"])["state"] == "pending_signoff"
    assert assignment(case, d["housing"])["is_lead"] and assignment(case, d["housing"])["state"] == "in_progress"
    assert cid not in await list_ids(sup, "dispatch")
    assert await list_ids(tc, "signoff") == [cid]
    # The water bureau keeps read access to the case it was once assigned, but cannot act on it.
    assert (await refused(wc, cid, "sign", 403, handler_id=org.users["water_h1"]))["code"] == "not_assigned"

    await act(tc, cid, "sign", handler_id=org.users["traffic_clerk"])
    await act(tc, cid, "complete", opinion="已协调交通管制")
    case = await act(hh, cid, "complete", opinion="已责令物业整改")
    assert case["state"] == "pending_approval"
    assert {a["opinion"] for a in case["assignments"] if a["state"] == "completed"} == {"已协调交通管制", "已责令物业整改"}
    assert actions(case) == ["register", "dispatch", "sign", "return", "dispatch", "sign", "complete", "complete"]


async def test_insist_sends_the_case_back_to_the_returning_department(login, org) -> None:
    ct, sup, wc = await login("ct"), await login("sup"), await login("water_clerk")
    d = org.departments
    case = await dispatched(ct, sup, [d["water"]])
    cid = case["id"]
    assert (await refused(wc, cid, "return", 400))["fields"]["opinion"]  # a return needs its reason
    await act(wc, cid, "return", opinion="非本单位职责")
    # Insisting needs a reason, and only a department that returned it.
    assert (await refused(sup, cid, "insist", 400, department_id=d["water"]))["fields"]["opinion"]
    err = await refused(sup, cid, "insist", 400, department_id=d["housing"], opinion="理由")
    assert "department_id" in err["fields"]
    case = await act(sup, cid, "insist", department_id=d["water"], opinion="经核实属供水管网，请办理")
    assert case["state"] == "pending_signoff"
    a = assignment(case, d["water"])
    assert a["state"] == "pending_signoff" and a["instructions"] == "经核实属供水管网，请办理"
    assert case["return_count"] == 1 and cid in await list_ids(wc, "signoff")
    assert actions(case)[-2:] == ["return", "insist"]
    assert case["flow"][-1]["opinion"] == "经核实属供水管网，请办理"
    # Insisting is only for returned cases.
    assert (await refused(sup, cid, "insist", 409, opinion="再次"))["code"] == "wrong_state"


async def test_extension_approved_moves_deadline_across_national_day(login, org, clock) -> None:
    ct, sup, wc = await login("ct"), await login("sup"), await login("water_clerk")
    wh = await login("water_h1")
    # An urgent help request registered Mon 28 Sep: one working day, due Tue 29 Sep.
    case = await in_progress(ct, sup, wc, org, "water", "water_h1", case_type="help", urgency="urgent")
    cid = case["id"]
    assert case["deadline"] == "2026-09-29 23:59:59" and case["overdue_class"] == "due_soon"

    err = await refused(wh, cid, "request_extension", 400, days=0, opinion="需要更多时间")
    assert "days" in err["fields"]
    assert (await refused(wh, cid, "request_extension", 400, days=3))["fields"]["opinion"]
    case = await act(wh, cid, "request_extension", days=4, opinion="需协调施工队，节后才能进场")
    [ext] = case["extensions"]
    assert ext["status"] == "pending" and ext["days"] == 4 and ext["department"] == "市水务局"
    assert case["deadline"] == "2026-09-29 23:59:59"  # nothing moves before approval
    assert (await refused(wh, cid, "request_extension", 409, days=1, opinion="再申请"))["code"] == "extension_pending"
    assert await list_ids(sup, "extensions") == [cid]
    # Only the centre decides.
    assert (await refused(wc, cid, "decide_extension", 403, approve=True))["code"] == "role_forbidden"

    case = await act(sup, cid, "decide_extension", approve=True, opinion="同意延期")
    # 30 Sep, (1-7 Oct National Day off), Thu 8 Oct, Fri 9 Oct, Sat 10 Oct (make-up working day).
    assert case["deadline"] == "2026-10-10 23:59:59"
    assert case["extensions"][0]["status"] == "approved"
    assert await list_ids(sup, "extensions") == []
    assert actions(case)[-2:] == ["request_extension", "decide_extension"]
    assert (await refused(sup, cid, "decide_extension", 409, approve=True))["code"] in ("no_extension", "wrong_state")

    # Refused: the deadline stays where it is.
    await act(wh, cid, "request_extension", days=2, opinion="再延两天")
    case = await act(sup, cid, "decide_extension", approve=False, opinion="不同意")
    assert case["deadline"] == "2026-10-10 23:59:59"
    assert [e["status"] for e in case["extensions"]] == ["approved", "refused"]

    # After the old deadline the case is no longer overdue thanks to the extension.
    clock.current = clock.current.replace(month=10, day=9, hour=10)
    await relogin(sup)
    assert (await detail(sup, cid))["overdue_class"] == "due_soon"
    assert cid not in await list_ids(sup, "overdue_open")
    assert cid in await list_ids(sup, "due_soon")


async def test_extension_only_by_a_department_holding_the_case(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    hh = await login("housing_h1")
    case = await dispatched(ct, sup, [org.departments["water"]])
    assert (await refused(hh, case["id"], "request_extension", 404, days=2, opinion="x"))["code"] == "case_not_found"
    # A department may ask before signing, while the case waits for it.
    wc = await login("water_clerk")
    case = await act(wc, case["id"], "request_extension", days=2, opinion="待核实权属")
    assert case["extensions"][0]["status"] == "pending"
    assert case["extensions"][0]["requested_by"] == org.users["water_clerk"]
