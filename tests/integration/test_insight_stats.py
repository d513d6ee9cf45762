"""办件统计 on a crafted fortnight over National Day 2026, every answer worked out by hand.

Moment of the statistics: 12 October 2026 12:00 (so 'soon' is 15 October 12:00). Consultations
take 5 working days; 1-7 October are holidays, so a case dispatched on 28 September is due on
10 October 23:59:59.
  A water   signed at once, completed and approved at 10 Oct 23:59:59 exactly   -> 按时办结, 满意
  B water   signed exactly 24 h after dispatch, completed 12 Oct                 -> 超期已办结, 基本满意
  C housing unsigned; extension of 2 working days approved (due 13 Oct)          -> 即将逾期, 延期
  D water+housing: housing returned it, water signed it late, still open        -> 超期未办结, 退回, 督办
  E front desk answer                                                          -> 按时办结
  F water   completed 9 Oct, call-back unsatisfied, reopened (due 15 Oct)        -> 正常, 重办, 不满意
  G traffic registered 8 Oct, due 14 Oct                                         -> 即将逾期
"""
from __future__ import annotations

from datetime import date

from casework.domain.enums import Role
from casework.domain.model import Actor
from casework.insight.case_stats import _live, build, department_names
from casework.insight.periods import Period
from tests.integration.helpers import act, new_case, relogin
from tests.integration.insight_helpers import (PERIOD, check_links, crafted, listed, page, same_as_page, tables,
                                               workbook)
from web.keys import DATABASE, SERVICES

SUMMARY = {"total": 7, "on_time": 1, "due_soon": 2, "overdue_open": 1, "done_on_time": 2, "done_overdue": 1,
           "returned": 1, "extended": 1, "reopened": 1, "urged": 1, "satisfied": 1, "basic": 1, "unsatisfied": 1}


async def test_stats_by_hand(server, login, org, clock) -> None:
    made = await crafted(login, org, clock)
    sup = made["sup"]
    status, text = await page(sup, "/stats", **PERIOD)
    assert status == 200, text[:500]
    found = tables(text)
    summary = found["all"]
    assert {col: int(summary.value("", col)) for col in SUMMARY} == SUMMARY
    assert summary.value("", "satisfaction_rate") == "66.7%"
    assert found["department"].counts("total") == {"市水务局": 4, "市住房和城乡建设局": 2, "市交通运输局": 1}
    assert found["department"].counts("overdue_open") == {"市水务局": 1, "市住房和城乡建设局": 1, "市交通运输局": 0}
    assert {k: v for k, v in found["state"].counts("total").items() if v} == {
        "待派发": 1, "已退回": 1, "待签收": 2, "已办结": 1, "已反馈": 2}
    assert found["case_type"].counts("total")["咨询"] == 7 and found["district"].counts("total") == {"（未填写）": 7}
    assert found["case_type"].value("total", "due_soon") == "2"
    checked = sum([await check_links(sup, found[key], "/stats/cases?") for key in ("all", "department", "state")])
    assert checked >= 60


async def test_drill_down_lists_the_cases(server, login, org, clock) -> None:
    made = await crafted(login, org, clock)
    sup, ids = made["sup"], made["ids"]
    found = tables((await page(sup, "/stats", **PERIOD))[1])
    for col, names in (("done_on_time", "AE"), ("done_overdue", "B"), ("due_soon", "CG"), ("overdue_open", "D"),
                       ("on_time", "F"), ("reopened", "F"), ("extended", "C")):
        status, text = await page(sup, found["all"].link("", col))
        assert status == 200
        shown = {name for name, case_id in ids.items() if f'data-case-id="{case_id}"' in text}
        assert shown == set(names), (col, shown)
    status, text = await page(sup, found["all"].link("", "total") + "&print=1")
    assert status == 200 and 'class="print-page"' in text and "data-print" in text
    assert sum(f'data-case-id="{i}"' in text for i in ids.values()) == 7 and "下一页" not in text


async def test_export_is_the_page(server, login, org, clock) -> None:
    made = await crafted(login, org, clock)
    sup = made["sup"]
    found = tables((await page(sup, "/stats", **PERIOD))[1])
    book = await workbook(sup, "/stats/export.xlsx", **PERIOD)
    assert list(book)[0] == "合计" and len(book) == 7
    same_as_page(found["all"], book["合计"])
    for key, sheet in (("department", "按处置部门（曾派发至该部门的办件）"), ("state", "按办件状态"), ("case_type", "按办件类型"),
                       ("source", "按办件来源"), ("urgency", "按紧急程度"), ("district", "按区域")):
        same_as_page(found[key], book[sheet[:31]])
    rows = (await workbook(sup, "/stats/cases/export.xlsx", **PERIOD, dim="all", key="", measure="due_soon"))["办件列表"]
    assert sorted(r[1] for r in rows[1:]) == ["C 咨询", "G 咨询"] and rows[0][0] == "办件编号"


async def test_rollup_equals_live(server, login, org, clock) -> None:
    await crafted(login, org, clock)
    db = server.app[DATABASE]
    svc = server.app[SERVICES].insight
    period = Period(date.fromisoformat(PERIOD["from"]), date.fromisoformat(PERIOD["to"]))
    sup = Actor(org.users["sup"], "张监督", frozenset({Role.SUPERVISOR}))
    from_rollup = await svc.case_stats(period, sup)
    async with db.reader() as conn:
        counts, daily = await _live(conn, period, sup, svc.moment(), None)
        live = build(period, counts, daily, await department_names(conn), False)
    assert from_rollup.sheets() == live.sheets()
    assert from_rollup.daily == live.daily and sum(n for _, n in live.daily) == 7
    water, housing = org.departments["water"], org.departments["housing"]
    for scope, total in (({water}, 4), ({housing}, 2), ({water, housing}, 5)):
        leader = Actor(org.users["water_leader"], "领导", frozenset({Role.LEADER}), None, frozenset(scope))
        shown = await svc.case_stats(period, leader)  # one department: its per-day totals; several: live
        async with db.reader() as conn:
            counts, daily = await _live(conn, period, leader, svc.moment(), frozenset(scope))
            live = build(period, counts, daily, await department_names(conn), True)
        assert shown.sheets() == live.sheets() and shown.summary.count("total") == total, scope


async def test_leader_sees_his_department_only(server, login, org, clock) -> None:
    made = await crafted(login, org, clock)
    leader = await login("water_leader")
    status, text = await page(leader, "/stats", **PERIOD)
    assert status == 200
    found = tables(text)
    assert found["all"].value("", "total") == "4"  # A, B, D, F
    assert found["department"].counts("total") == {"市水务局": 4}
    assert "C 咨询" not in text and "G 咨询" not in text
    assert await check_links(leader, found["all"], "/stats/cases?") >= 10
    housing = org.departments["housing"]
    assert await listed(leader, f"/stats/cases?from=2026-09-28&to=2026-10-12&dim=department&key={housing}") == 1  # D
    book = await workbook(leader, "/stats/cases/export.xlsx", **PERIOD, dim="all", key="", measure="total")
    assert sorted(r[1] for r in book["办件列表"][1:]) == ["A 咨询", "B 咨询", "D 咨询", "F 咨询"]
    mayor = await login("mayor")
    assert tables((await page(mayor, "/stats", **PERIOD))[1])["all"].value("", "total") == "7"
    assert made["sup"]


async def test_bad_slices_are_400(server, login, org) -> None:
    sup = await login("sup")
    for params in ({"dim": "nonsense"}, {"measure": "x"}, {"dim": "department", "key": "abc"},
                   {"dim": "state", "flag": "returned"}, {"from": "2026-13-01"}):
        status, _ = await page(sup, "/stats/cases", **params)
        assert status == 400, params
    ct = await login("ct")
    for path in ("/stats/cases", "/stats/export.xlsx", "/stats/cases/export.xlsx"):
        assert (await page(ct, path))[0] == 403


async def test_per_day_totals_follow_the_clock_and_the_writes(server, login, org, clock) -> None:
    """No write happens when a deadline passes: the refresh finds the days whose open cases crossed it."""
    made = await crafted(login, org, clock)
    clock.advance(days=1, hours=12, seconds=1)  # 14 Oct 00:00:01: C (due 13 Oct 23:59:59) is now overdue
    await relogin(made["sup"])
    summary = tables((await page(made["sup"], "/stats", **PERIOD))[1])["all"]
    assert (summary.value("", "overdue_open"), summary.value("", "due_soon"), summary.value("", "on_time")) == (
        "2", "2", "0")  # C and D overdue; G (due 14 Oct) and F (due 15 Oct) due soon
    await act(made["sup"], made["ids"]["D"], "urge", opinion="再次督办")
    ct = await login("ct")
    await new_case(ct, title="H 新登记", case_type="consultation")  # 14 Oct: outside the period
    db = server.app[DATABASE]
    svc = server.app[SERVICES].insight
    period = Period(date(2026, 9, 1), date(2026, 10, 31))
    sup = Actor(org.users["sup"], "张监督", frozenset({Role.SUPERVISOR}))
    from_rollup = await svc.case_stats(period, sup)
    async with db.reader() as conn:
        counts, daily = await _live(conn, period, sup, svc.moment(), None)
        live = build(period, counts, daily, await department_names(conn), False)
    assert from_rollup.sheets() == live.sheets() and from_rollup.summary.count("total") == 8


async def test_a_change_during_a_refresh_is_not_lost(server, login, org, clock) -> None:
    """The refresh claims the dirty days, then computes; a case registered on a claimed day meanwhile
    keeps its day dirty, and the next refresh counts it."""
    import asyncio
    import threading

    from casework.insight import rollup
    db = server.app[DATABASE]
    svc = server.app[SERVICES].insight
    ct = await login("ct")
    await rollup.refresh(db, svc.moment())  # start clean
    await new_case(ct, title="第一件")
    day = (await svc.case_stats(Period(date(2026, 9, 28), date(2026, 9, 28)), await _supervisor(org))).daily
    assert sum(n for _, n in day) == 1
    original, loop = rollup.compute, asyncio.get_running_loop()
    computed, go = asyncio.Event(), threading.Event()

    def paused_compute(path, moment):
        """The real compute, then a pause (in its worker thread) until the test has written more."""
        result = original(path, moment)
        loop.call_soon_threadsafe(computed.set)
        go.wait(10)
        return result
    rollup.compute = paused_compute
    try:
        await new_case(ct, title="第二件")
        refreshing = asyncio.create_task(rollup.refresh(db, svc.moment()))
        await computed.wait()
        await new_case(ct, title="第三件")  # after the claim and the snapshot, before the write
        go.set()
        await refreshing
    finally:
        rollup.compute = original
    async with db.reader() as conn:
        marks = await conn.execute_fetchall("SELECT kind, day, stamp FROM insight_dirty")
    assert [tuple(m) for m in marks] == [("case", "2026-09-28", 0)]
    await rollup.refresh(db, svc.moment())
    day = (await svc.case_stats(Period(date(2026, 9, 28), date(2026, 9, 28)), await _supervisor(org))).daily
    assert sum(n for _, n in day) == 3


async def _supervisor(org) -> Actor:
    return Actor(org.users["sup"], "张监督", frozenset({Role.SUPERVISOR}))
