"""The named work lists of every role, including the supervision list's five tabs as time passes."""
from __future__ import annotations

from datetime import datetime

from casework.cases.lists import CROWDED_ABOVE
from casework.domain.enums import CaseType, Source
from casework.domain.intake import Intake, Route
from tests.conftest import TZ
from tests.integration.helpers import act, dispatched, in_progress, list_ids, new_case, relogin
from web.keys import SERVICES


async def _world(login, org):
    """One case in each place a list can pick it from."""
    ct, sup = await login("ct"), await login("sup")
    wc, wh, hc, hh = [await login(u) for u in ("water_clerk", "water_h1", "housing_clerk", "housing_h1")]
    d = org.departments
    c = {}
    c["dispatch"] = await new_case(ct, title="待派发")
    c["signoff"] = await dispatched(ct, sup, [d["water"]], title="待签收紧急", case_type="help", urgency="urgent")
    c["todo"] = await in_progress(ct, sup, wc, org, "water", "water_h1", title="办理中")
    appr = await in_progress(ct, sup, hc, org, "housing", "housing_h1", title="待审核")
    c["approval"] = await act(hh, appr["id"], "complete", opinion="已处理")
    closed = await in_progress(ct, sup, wc, org, "water", "water_h1", title="已办结")
    await act(wh, closed["id"], "complete", opinion="已处理")
    c["closed"] = await act(sup, closed["id"], "approve", opinion="同意")
    c["front_desk"] = await new_case(ct, route="front_desk", case_type="consultation", answer="已答复",
                                     concern_department_id=d["water"], title="前台办结")
    c["review"] = await new_case(ct, source="sms", route="review", title="短信来件")
    c["invalid"] = await new_case(ct, route="invalid", title="", content="")
    c["late"] = await new_case(ct, title="将超期后办结", case_type="help", urgency="urgent")
    ids = {k: v["id"] for k, v in c.items()}
    return (ct, sup, wc, wh, hc, hh), ids


async def test_work_lists_per_role(login, org) -> None:
    (ct, sup, wc, wh, hc, hh), ids = await _world(login, org)
    assert set(await list_ids(sup, "dispatch")) == {ids["dispatch"], ids["late"]}
    assert await list_ids(sup, "approval") == [ids["approval"]]
    assert await list_ids(ct, "review") == [ids["review"]]
    assert await list_ids(ct, "callback") == [ids["closed"]]
    assert await list_ids(wc, "signoff") == [ids["signoff"]]
    assert await list_ids(hc, "signoff") == []
    assert await list_ids(wc, "todo") == [ids["todo"]]  # the clerk sees all of his department's
    assert await list_ids(wh, "todo") == [ids["todo"]]
    assert await list_ids(hh, "todo") == []
    assert await list_ids(wc, "front_desk") == [ids["front_desk"]]
    assert await list_ids(hc, "front_desk") == []
    assert await list_ids(sup, "front_desk") == [ids["front_desk"]]
    # 个人经手: the cases each user acted on.
    assert set(await list_ids(ct, "mine")) == set(ids.values())
    assert set(await list_ids(wc, "mine")) == {ids["todo"], ids["closed"]}
    assert set(await list_ids(hh, "mine")) == {ids["approval"]}
    assert set(await list_ids(sup, "mine")) == {ids["signoff"], ids["todo"], ids["approval"], ids["closed"]}
    # Lists carry labels and the same summary rows as the search.
    body = await sup.ok("GET", "/lists/dispatch")
    assert body["label"] == "待派发" and body["total"] == 2
    row = body["items"][0]
    assert {"number", "state_label", "deadline", "overdue_class", "urge_count", "departments"} <= set(row)
    # Unknown list, list of another role.
    status, err = await sup.call("GET", "/lists/nonsense")
    assert status == 404 and err["error"]["code"] == "list_not_found"
    status, _ = await wc.call("GET", "/lists/dispatch")
    assert status == 403
    status, _ = await ct.call("GET", "/lists/signoff")
    assert status == 403
    # Lists take the search filters too.
    assert await list_ids(sup, "dispatch", q="超期") == [ids["late"]]


async def test_supervision_tabs_move_with_the_clock(login, org, clock) -> None:
    (ct, sup, wc, wh, hc, hh), ids = await _world(login, org)
    wl = await login("water_leader")
    formal = {ids[k] for k in ("dispatch", "signoff", "todo", "approval", "closed", "late")}
    assert set(await list_ids(sup, "supervision_all")) == formal  # no front-desk, invalid or unreviewed cases
    assert await list_ids(sup, "supervision_done") == [ids["closed"]]
    # Registered Mon 28 Sep 09:00, the urgent ones are due Tue 29 Sep: less than three days left.
    assert set(await list_ids(sup, "due_soon")) == {ids["signoff"], ids["late"]}
    assert await list_ids(sup, "overdue_open") == []
    assert await list_ids(sup, "overdue_done") == []
    assert set(await list_ids(wl, "due_soon")) == {ids["signoff"]}  # a leader sees his scope only

    clock.current = datetime(2026, 9, 30, 10, 0, tzinfo=TZ)
    await relogin(ct, sup, wc, wh, wl)
    assert set(await list_ids(sup, "overdue_open")) == {ids["signoff"], ids["late"]}
    assert await list_ids(sup, "due_soon") == []
    assert await list_ids(wl, "overdue_open") == [ids["signoff"]]
    await act(sup, ids["late"], "close", opinion="已答复")
    assert await list_ids(sup, "overdue_done") == [ids["late"]]
    assert set(await list_ids(sup, "supervision_done")) == {ids["closed"], ids["late"]}
    assert await list_ids(sup, "overdue_open") == [ids["signoff"]]
    rows = (await sup.ok("GET", "/lists/overdue_done"))["items"]
    assert rows[0]["overdue_class"] == "done_overdue" and rows[0]["overdue_label"] == "超期已办结"

    # On Wed 14 Oct the ten-day cases (due Fri 16 Oct) are due soon, earliest deadline first.
    clock.current = datetime(2026, 10, 14, 10, 0, tzinfo=TZ)
    await relogin(sup, wc, wh)
    due = await list_ids(sup, "due_soon")
    assert set(due) == {ids["dispatch"], ids["todo"], ids["approval"]}
    assert await list_ids(sup, "overdue_open") == [ids["signoff"]]
    await act(wc, ids["signoff"], "sign", handler_id=org.users["water_h1"])
    await act(wh, ids["signoff"], "complete", opinion="已处理")
    await act(sup, ids["signoff"], "approve", opinion="同意")
    assert await list_ids(sup, "overdue_open") == []
    assert set(await list_ids(sup, "overdue_done")) == {ids["signoff"], ids["late"]}
    # The overdue filter of the search agrees with the tabs.
    found = await sup.ok("GET", "/cases", params={"overdue": "done_overdue", "per_page": 100})
    assert {i["id"] for i in found["items"]} == {ids["signoff"], ids["late"]}
    found = await sup.ok("GET", "/cases", params={"overdue": "due_soon", "per_page": 100})
    assert {i["id"] for i in found["items"]} == set(due)
    assert {i["overdue_class"] for i in found["items"]} == {"due_soon"}
    # Past the deadline nothing open is on time any more.
    clock.current = datetime(2026, 10, 17, 0, 0, 1, tzinfo=TZ)
    await relogin(sup)
    assert set(await list_ids(sup, "overdue_open")) == set(due)
    assert await list_ids(sup, "due_soon") == []


async def test_mine_for_someone_with_thousands_of_cases(server, login, org) -> None:
    """个人经手 of a busy user walks cases newest first (crowded plan); a light user's takes the id list.
    Both give the same order: newest first."""
    app = server.app
    ct_actor = (await app[SERVICES].accounts.user(org.users["ct"])).actor()
    intake = Intake(title="路灯不亮", source=Source.PHONE, case_type=CaseType.HELP, content="晚上路灯不亮",
                    route=Route.CENTRE, caller_phone="13907550000")
    ids = [(await app[SERVICES].cases.register(intake, ct_actor)).id for _ in range(CROWDED_ABOVE + 1)]
    ct, ct2 = await login("ct"), await login("ct2")
    body = await ct.ok("GET", "/lists/mine", params={"per_page": 20})
    assert body["total"] == CROWDED_ABOVE + 1 and [i["id"] for i in body["items"]] == ids[::-1][:20]
    assert await list_ids(ct, "mine", page=21) == [ids[0]]  # the 2,001st, on the last page of 100
    mine2 = [(await new_case(ct2))["id"] for _ in range(3)]
    assert await list_ids(ct2, "mine") == mine2[::-1]
