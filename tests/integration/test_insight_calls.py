"""来电情况 统计表 on call records written by hand, including a call that crosses midnight.

28 Sep: k1 answered after 10 s (办件), k2 after 20 s (转办件), k3 abandoned after 30 s, k4 offered
23:59:50 and answered 00:00:05 the next day after exactly 15 s (无效件, counts on the 28th),
k5 a call-back made to k3's caller. 29 Sep: k6 answered after 5 s (转办件).
"""
from __future__ import annotations

from tests.integration.helpers import new_case
from tests.integration.insight_helpers import (check_links, insert_calls, listed, page, same_as_page, tables,
                                               workbook)

DAYS = {"from": "2026-09-28", "to": "2026-09-29"}
COUNTS = ("offered", "answered", "abandoned", "in_time", "invalid", "front_desk", "forwarded", "callbacks")


async def _calls(server, login, org) -> dict:
    ct = await login("ct")
    front = await new_case(ct, route="front_desk", answer="已答复", title="来电办件")
    agent = org.users["ct"]
    rows = [
        {"offered_at": "2026-09-28 09:00:00", "answered_at": "2026-09-28 09:00:10", "ended_at": "2026-09-28 09:02:10",
         "wait_seconds": 10, "talk_seconds": 120, "agent_user_id": agent, "disposition": "front_desk",
         "case_id": front["id"]},
        {"offered_at": "2026-09-28 10:00:00", "answered_at": "2026-09-28 10:00:20", "ended_at": "2026-09-28 10:01:20",
         "wait_seconds": 20, "talk_seconds": 60, "agent_user_id": agent, "disposition": "forwarded"},
        {"offered_at": "2026-09-28 11:00:00", "ended_at": "2026-09-28 11:00:30", "wait_seconds": 30,
         "disposition": "abandoned", "caller_number": "13911112222"},
        {"offered_at": "2026-09-28 23:59:50", "answered_at": "2026-09-29 00:00:05", "ended_at": "2026-09-29 00:10:05",
         "wait_seconds": 15, "talk_seconds": 600, "agent_user_id": agent, "disposition": "invalid"},
        {"offered_at": "2026-09-28 12:00:00", "answered_at": "2026-09-28 12:00:08", "ended_at": "2026-09-28 12:00:38",
         "direction": "outbound", "purpose": "callback", "talk_seconds": 30, "agent_user_id": agent,
         "disposition": "outbound", "queue": "", "caller_number": "13911112222"},
        {"offered_at": "2026-09-29 08:00:00", "answered_at": "2026-09-29 08:00:05", "ended_at": "2026-09-29 08:01:45",
         "wait_seconds": 5, "talk_seconds": 100, "agent_user_id": agent, "disposition": "forwarded"},
    ]
    await insert_calls(server, rows)
    return {"sup": await login("sup"), "front": front}


async def test_call_table_by_day_crossing_midnight(server, login, org) -> None:
    made = await _calls(server, login, org)
    sup = made["sup"]
    status, text = await page(sup, "/calls/table", **DAYS)
    assert status == 200, text[:500]
    table = tables(text)["calls"]
    assert list(table.rows) == ["2026-09-28", "2026-09-29", "total"]
    day1, day2, total = (table.rows[k] for k in table.rows)
    assert day1[0][0] == "2026-09-28" and day2[0][0] == "2026-09-29"
    cols = table.cols

    def row(cells: list) -> dict[str, str]:
        return {c: cells[cols.index(c) + 1][0] for c in cols}
    assert row(day1) == {"offered": "4", "answered": "3", "abandoned": "1", "in_time": "2", "answer_rate": "75.0%",
                         "in_time_rate": "50.0%", "wait_avg": "18.8", "wait_max": "30", "talk_avg": "260.0",
                         "wrap_avg": "—", "invalid": "1", "front_desk": "1", "forwarded": "1", "callbacks": "1"}
    assert row(day2)["offered"] == "1" and row(day2)["in_time_rate"] == "100.0%" and row(day2)["callbacks"] == "0"
    assert row(total) == {"offered": "5", "answered": "4", "abandoned": "1", "in_time": "3", "answer_rate": "80.0%",
                          "in_time_rate": "60.0%", "wait_avg": "16.0", "wait_max": "30", "talk_avg": "220.0",
                          "wrap_avg": "—", "invalid": "1", "front_desk": "1", "forwarded": "2", "callbacks": "1"}
    assert 'id="answer-rate">80.0%' in text and "未达标" in text
    checked = 0
    for cells in (day1, day2, total):
        for text_value, href in cells[1:]:
            if href:
                assert href.startswith("/calls/records?")
                assert await listed(sup, href) == int(text_value), href
                checked += 1
    assert checked == 24
    status, text = await page(sup, day1[cols.index("front_desk") + 1][1])
    assert made["front"]["number"] in text


async def test_call_table_by_week_and_agent_and_export(server, login, org) -> None:
    made = await _calls(server, login, org)
    sup = made["sup"]
    week = tables((await page(sup, "/calls/table", **DAYS, group="week"))[1])["calls"]
    first = list(week.rows.values())[0]
    assert first[0][0].startswith("2026年第40周") and first[1][0] == "5"
    status, text = await page(sup, "/calls/table", **DAYS, group="agent")
    agents = tables(text)["calls"]
    labels = {cells[0][0]: cells for key, cells in agents.rows.items() if key != "total"}
    cols = agents.cols
    assert labels["王话务"][cols.index("offered") + 1][0] == "4" and labels["王话务"][cols.index("callbacks") + 1][0] == "1"
    assert labels["（未接通或未关联坐席）"][cols.index("abandoned") + 1][0] == "1"
    assert await check_links(sup, agents, "/calls/records?") >= 10
    book = await workbook(sup, "/calls/table/export.xlsx", **DAYS, group="agent")
    same_as_page(agents, list(book.values())[0])
    records = await workbook(sup, "/calls/records/export.xlsx", **DAYS, measure="offered")
    assert len(records["来电记录"]) == 1 + 5
    queue = tables((await page(sup, "/calls/table", **DAYS, group="queue"))[1])["calls"]
    assert {cells[0][0] for k, cells in queue.rows.items() if k != "total"} == {"12345", "（未记录队列）"}


async def test_call_pages_are_for_supervisors(server, login, org) -> None:
    await _calls(server, login, org)
    for username in ("water_leader", "mayor", "ct"):
        api = await login(username)
        for path in ("/calls/table", "/calls/records", "/calls/table/export.xlsx", "/calls/records/export.xlsx"):
            assert (await page(api, path))[0] == 403, (username, path)
    sup = await login("sup")
    for params in ({"group": "year"}, {"from": "2026-09-30", "to": "2026-09-01"}):
        assert (await page(sup, "/calls/table", **params))[0] == 400
    for params in ({"measure": "nope"}, {"dim": "agent", "key": "x"}):
        assert (await page(sup, "/calls/records", **params))[0] == 400


async def test_every_case_list_exports(server, login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    for title in ("甲投诉", "乙投诉", "丙投诉"):
        await new_case(ct, title=title)
    book = await workbook(sup, "/export/cases.xlsx", list="dispatch")
    assert sorted(r[1] for r in book["办件列表"][1:]) == ["丙投诉", "乙投诉", "甲投诉"]
    book = await workbook(sup, "/export/cases.xlsx", q="乙投诉")
    assert [r[1] for r in book["办件列表"][1:]] == ["乙投诉"]
    clerk = await login("water_clerk")
    assert (await page(clerk, "/export/cases.xlsx", list="dispatch"))[0] == 403
    assert len((await workbook(clerk, "/export/cases.xlsx"))["办件列表"]) == 1  # nothing of his department yet
    assert (await page(sup, "/export/cases.xlsx", list="nonsense"))[0] == 404
