"""Merging duplicates (并单), call-backs and reopening (重办), urging (督办) and amending it."""
from __future__ import annotations

from tests.integration.helpers import (act, actions, assignment, detail, list_ids, new_case, refused)


async def _close_through_water(sup, wc, wh, org, cid: int, result: str = "已修复") -> dict:
    await act(sup, cid, "dispatch", departments=[org.departments["water"]], opinion="请处理")
    await act(wc, cid, "sign", handler_id=org.users["water_h1"])
    await act(wh, cid, "complete", opinion=result)
    return await act(sup, cid, "approve", opinion="同意")


async def test_merged_duplicate_follows_main_and_gets_its_own_callback(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    wc, wh = await login("water_clerk"), await login("water_h1")
    main = await new_case(ct, title="金贸西路停水", caller_phone="13800000001")
    dup = await new_case(ct, title="金贸西路又停水了", caller_phone="13900000002", caller_name="赵六")
    other = await new_case(ct, title="别的事")

    assert (await refused(sup, dup["id"], "merge", 400, target_id=dup["id"]))["fields"]["target_id"]
    assert (await refused(sup, dup["id"], "merge", 400, target_id=999999))["fields"]["target_id"]
    assert (await refused(ct, dup["id"], "merge", 403, target_id=main["id"]))["code"] == "role_forbidden"
    merged = await act(sup, dup["id"], "merge", target_id=main["id"], opinion="同一事项")
    assert merged["merged_into"] == main["id"] and merged["state"] == "pending_dispatch"
    assert (await detail(sup, main["id"]))["merged_children"] == [dup["id"]]
    assert set(await list_ids(sup, "dispatch")) == {main["id"], other["id"]}  # the duplicate is not dispatched
    # The duplicate cannot be handled on its own, nor be a merge target.
    assert (await refused(sup, dup["id"], "dispatch", 409, departments=[org.departments["water"]]))["code"] == "case_merged"
    assert (await refused(sup, other["id"], "merge", 409, target_id=dup["id"]))["code"] == "merge_target_closed"

    await act(sup, main["id"], "dispatch", departments=[org.departments["water"]], opinion="请处理")
    assert (await detail(sup, dup["id"]))["state"] == "pending_signoff"
    await act(wc, main["id"], "sign", handler_id=org.users["water_h1"])
    await act(wh, main["id"], "complete", opinion="管道已抢修，恢复供水")
    closed = await act(sup, main["id"], "approve", opinion="同意")
    assert closed["state"] == "closed"
    dup_now = await detail(sup, dup["id"])
    assert dup_now["state"] == "closed" and dup_now["result"] == "管道已抢修，恢复供水"
    assert dup_now["closed_at"] == closed["closed_at"]
    assert {main["id"], dup["id"]} <= set(await list_ids(ct, "callback"))

    # Each citizen is called back on his own; the main case's call-back does not close the duplicate's.
    done = await act(ct, main["id"], "callback", resolved=True, satisfaction="satisfied", opinion="满意")
    assert done["state"] == "feedback_done"
    dup_now = await detail(ct, dup["id"])
    assert dup_now["state"] == "closed" and dup_now["satisfaction"] is None
    assert await list_ids(ct, "callback") == [dup["id"]]
    dup_done = await act(ct, dup["id"], "callback", resolved=True, satisfaction="basic", opinion="基本满意")
    assert dup_done["state"] == "feedback_done" and dup_done["satisfaction"] == "basic"
    assert actions(dup_done) == ["register", "merge", "callback"]
    assert await list_ids(ct, "callback") == []


async def test_unsatisfied_callback_reopens(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    wc, wh = await login("water_clerk"), await login("water_h1")
    case = await new_case(ct)
    cid = case["id"]
    closed = await _close_through_water(sup, wc, wh, org, cid)
    assert closed["state"] == "closed"
    assert (await refused(wc, cid, "callback", 403, resolved=False))["code"] == "role_forbidden"
    err = await refused(ct, cid, "callback", 400, resolved=True, satisfaction="satisfied", reopen=True)
    assert "reopen" in err["fields"]
    assert (await refused(ct, cid, "callback", 400, satisfaction="很好"))["fields"]["satisfaction"]

    reopened = await act(ct, cid, "callback", resolved=False, satisfaction="unsatisfied", reopen=True,
                         opinion="仍然停水")
    assert reopened["state"] == "pending_dispatch" and reopened["reopen_count"] == 1
    assert reopened["closed_at"] is None and reopened["satisfaction"] == "unsatisfied"
    assert {a["state"] for a in reopened["assignments"]} == {"withdrawn"}
    assert cid in await list_ids(sup, "dispatch") and cid not in await list_ids(ct, "callback")
    [row] = [i for i in (await sup.ok("GET", "/lists/dispatch"))["items"] if i["id"] == cid]
    assert row["reopen_count"] == 1
    # The department is dispatched again and handles it a second time.
    again = await _close_through_water(sup, wc, wh, org, cid, result="更换阀门后恢复供水")
    assert again["result"] == "更换阀门后恢复供水"
    assert assignment(again, org.departments["water"])["state"] == "completed"
    final = await act(ct, cid, "callback", resolved=True, satisfaction="satisfied")
    assert final["state"] == "feedback_done" and final["reopen_count"] == 1
    assert actions(final).count("callback") == 2 and actions(final).count("dispatch") == 2
    # Final: nothing more to do.
    assert (await refused(ct, cid, "callback", 409, resolved=True))["code"] == "wrong_state"


async def test_unsatisfied_without_reopen_just_records_feedback(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    case = await new_case(ct)
    await act(sup, case["id"], "close", opinion="已答复")
    done = await act(ct, case["id"], "callback", resolved=False, satisfaction="unsatisfied", opinion="不满意")
    assert done["state"] == "feedback_done" and done["reopen_count"] == 0 and done["resolved"] is False


async def test_urge_and_amend_show_in_flow_and_department_lists(login, org) -> None:
    ct, sup, sup2 = await login("ct"), await login("sup"), await login("sup2")
    wc, wh, wl = await login("water_clerk"), await login("water_h1"), await login("water_leader")
    d = org.departments
    case = await new_case(ct)
    cid = case["id"]
    await act(sup, cid, "dispatch", departments=[d["water"]], opinion="请处理")
    assert (await refused(sup, cid, "urge", 400, opinion=""))["fields"]["opinion"]
    urged = await act(sup, cid, "urge", opinion="请加快办理")
    [u] = urged["urgings"]
    assert urged["urge_count"] == 1 and u["opinion"] == "请加快办理" and u["author_name"] == "张监督"
    assert urged["flow"][-1]["action"] == "urge" and urged["flow"][-1]["opinion"] == "请加快办理"
    [row] = (await wc.ok("GET", "/lists/signoff"))["items"]
    assert row["id"] == cid and row["urge_count"] == 1

    await act(wc, cid, "sign", handler_id=org.users["water_h1"])
    await act(wl, cid, "urge", opinion="局领导督办：今日办结")
    [row] = (await wh.ok("GET", "/lists/todo"))["items"]
    assert row["urge_count"] == 2

    amended = await act(sup, cid, "amend_urge", urging_id=u["id"], opinion="请于两个工作日内办结")
    assert amended["urgings"][0]["opinion"] == "请于两个工作日内办结" and amended["urgings"][0]["updated_at"]
    assert amended["urge_count"] == 2  # amending is not a new urging
    assert actions(amended)[-3:] == ["sign", "urge", "amend_urge"]
    assert amended["flow"][-1]["opinion"] == "请于两个工作日内办结"
    # A leader may amend only his own urging; any supervisor may amend any.
    leader_urging = amended["urgings"][1]
    err = await refused(wl, cid, "amend_urge", 403, urging_id=u["id"], opinion="改")
    assert err["code"] == "not_author"
    await act(wl, cid, "amend_urge", urging_id=leader_urging["id"], opinion="局领导督办：明日办结")
    await act(sup2, cid, "amend_urge", urging_id=leader_urging["id"], opinion="中心修改")
    assert (await refused(sup, cid, "amend_urge", 400, urging_id=999999, opinion="x"))["fields"]["urging_id"]
    final = await detail(wh, cid)
    assert [x["opinion"] for x in final["urgings"]] == ["请于两个工作日内办结", "中心修改"]
    assert actions(final).count("amend_urge") == 3
    # Urging a closed case is refused; the search filter by department shows it with its count.
    await act(wh, cid, "complete", opinion="已办结")
    await act(sup, cid, "approve", opinion="同意")
    assert (await refused(sup, cid, "urge", 409, opinion="再督办"))["code"] == "wrong_state"
    [found] = (await sup.ok("GET", "/cases", params={"department": d["water"]}))["items"]
    assert found["urge_count"] == 2
