"""Two users acting on the same case at the same moment: exactly one wins, the other gets 409."""
from __future__ import annotations

import asyncio

from tests.integration.helpers import actions, detail, dispatched, in_progress, new_case
from tests.support import PASSWORD


async def _second_clerk(login, org):
    admin = await login("admin")
    user = await admin.ok("POST", "/users", {"username": "water_clerk2", "name": "水务签收二", "password": PASSWORD,
                                             "roles": ["clerk"], "department_id": org.departments["water"]},
                          status=201)
    assert user["roles"] == ["clerk"] and user["department_id"] == org.departments["water"]
    return await login("water_clerk2")


async def test_two_clerks_sign_at_once(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    c1, c2 = await login("water_clerk"), await _second_clerk(login, org)
    for _ in range(5):
        cid = (await dispatched(ct, sup, [org.departments["water"]]))["id"]
        results = await asyncio.gather(
            c1.call("POST", f"/cases/{cid}/sign", {"handler_id": org.users["water_h1"]}),
            c2.call("POST", f"/cases/{cid}/sign", {"handler_id": org.users["water_h2"]}))
        statuses = sorted(status for status, _ in results)
        assert statuses == [200, 409], results
        [loser] = [body for status, body in results if status == 409]
        assert loser["error"]["code"] in ("wrong_state", "lost_race") and loser["error"]["message"]
        [winner] = [body for status, body in results if status == 200]
        case = await detail(sup, cid)
        assert actions(case).count("sign") == 1
        assert case["assignments"][0]["handler_id"] == winner["assignments"][0]["handler_id"]
        assert case["state"] == "in_progress" and case["version"] == winner["version"]


async def test_two_handlers_complete_at_once(login, org) -> None:
    ct, sup, wc = await login("ct"), await login("sup"), await login("water_clerk")
    wh = await login("water_h1")
    for _ in range(5):
        cid = (await in_progress(ct, sup, wc, org, "water", "water_h1"))["id"]
        # The current handler and the clerk (who may complete for his department) press 办结 together.
        results = await asyncio.gather(
            wh.call("POST", f"/cases/{cid}/complete", {"opinion": "办理人办结"}),
            wc.call("POST", f"/cases/{cid}/complete", {"opinion": "签收人办结"}))
        assert sorted(status for status, _ in results) == [200, 409], results
        case = await detail(sup, cid)
        assert actions(case).count("complete") == 1 and case["state"] == "pending_approval"
        [winner] = [body for status, body in results if status == 200]
        assert case["assignments"][0]["opinion"] == winner["assignments"][0]["opinion"]


async def test_same_handler_in_two_tabs(login, org) -> None:
    ct, sup, wc = await login("ct"), await login("sup"), await login("water_clerk")
    tab1, tab2 = await login("water_h1"), await login("water_h1")
    cid = (await in_progress(ct, sup, wc, org, "water", "water_h1"))["id"]
    results = await asyncio.gather(*(api.call("POST", f"/cases/{cid}/complete", {"opinion": f"第{i}次"})
                                     for i, api in enumerate((tab1, tab2, tab1, tab2))))
    assert sorted(s for s, _ in results) == [200, 409, 409, 409]
    assert actions(await detail(sup, cid)).count("complete") == 1


async def test_concurrent_dispatch_and_close(login, org) -> None:
    ct, sup, sup2 = await login("ct"), await login("sup"), await login("sup2")
    cid = (await new_case(ct))["id"]
    results = await asyncio.gather(
        sup.call("POST", f"/cases/{cid}/dispatch", {"departments": [org.departments["water"]]}),
        sup2.call("POST", f"/cases/{cid}/close", {"opinion": "直接办结"}))
    assert sorted(s for s, _ in results) == [200, 409]
    final = await detail(sup, cid)
    assert len(final["flow"]) == 2 and final["state"] in ("pending_signoff", "closed")
    # Many writers at once on different cases all succeed and get distinct numbers.
    made = await asyncio.gather(*(ct.call("POST", "/cases", {
        "title": f"并发登记{i}", "content": "并发", "case_type": "complaint", "route": "centre"}) for i in range(20)))
    assert {s for s, _ in made} == {201}
    assert len({b["number"] for _, b in made}) == 20
