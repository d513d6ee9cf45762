"""办件查询: number prefix, phone, Chinese substring search, 更多条件 filters, paging, sorting, bad filters."""
from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from casework.search.text import match_query
from tests.conftest import TZ
from tests.integration.helpers import act, new_case, relogin, search_ids
from web.keys import DATABASE


async def _corpus(login, org, clock):
    ct, sup = await login("ct"), await login("sup")
    d = org.departments
    made = {}
    made["noise"] = await new_case(ct, title="小区夜间施工噪音扰民", content="晚上十点后仍在施工",
                                   caller_phone="13800138000", address="龙华区金贸西路")
    made["water"] = await new_case(ct, title="自来水停水三天", content="海甸岛多个小区停水，没有通知",
                                   caller_phone="13912345678", case_type="help", urgency="urgent",
                                   address="美兰区海甸五西路")
    made["light"] = await new_case(ct, title="路灯不亮", content="滨海大道路灯连续三晚不亮", case_type="suggestion",
                                   caller_phone="0898-66668888", address="秀英区滨海大道")
    clock.current = datetime(2026, 9, 29, 9, 0, tzinfo=TZ)
    await relogin(ct, sup)
    made["content_only"] = await new_case(ct, title="广场舞扰民", content="广场舞音响太吵，噪音超标",
                                          caller_phone="13800138000", source="web", route="review",
                                          address="琼山区府城")
    made["english"] = await new_case(ct, title="WiFi 信号 ABC-123 问题", content="公交站WIFI无法连接",
                                     caller_phone="13700000000", case_type="other",
                                     address="公交站")
    await act(sup, made["water"]["id"], "dispatch", departments=[d["water"]], opinion="急")
    await act(sup, made["light"]["id"], "dispatch", departments=[d["traffic"], d["longhua"]], lead=d["longhua"])
    await act(sup, made["noise"]["id"], "close", opinion="已答复")
    return ct, sup, {k: v["id"] for k, v in made.items()}, {k: v["number"] for k, v in made.items()}


async def test_text_number_and_phone_search(login, org, clock) -> None:
    ct, sup, ids, numbers = await _corpus(login, org, clock)
    q = lambda text: search_ids(sup, q=text)  # noqa: E731
    assert set(await q("噪音")) == {ids["noise"], ids["content_only"]}  # title and content
    assert set(await q("停水")) == {ids["water"]}
    assert set(await q("滨海大道")) == {ids["light"]}  # content and address
    assert set(await q("金贸西路")) == {ids["noise"]}  # address only
    assert set(await q("噪")) == {ids["noise"], ids["content_only"]}  # a single character
    assert set(await q("灯")) == {ids["light"]}
    assert set(await q("扰民")) == {ids["noise"], ids["content_only"]}
    assert set(await q("噪音 施工")) == {ids["noise"]}  # several runs: all must occur
    assert set(await q("噪音，广场")) == {ids["content_only"]}
    assert await q("夜间噪音") == []  # a real substring match, not a bag of bigrams
    assert await q("不存在的内容") == []
    assert set(await q("wifi")) == {ids["english"]}  # case-insensitive latin
    assert set(await q("abc-123")) == {ids["english"]}
    assert set(await q("ＷｉＦｉ")) == {ids["english"]}  # full-width forms normalised
    # Query syntax is not interpreted: quotes, operators, wildcards are just text.
    for nasty in ('"', '" OR 1=1 --', "噪音*", "NEAR(噪音)", "%", "_", "'; DROP TABLE cases; --"):
        status, body = await sup.call("GET", "/cases", params={"q": nasty})
        assert status == 200, (nasty, body)

    assert await search_ids(sup, number=numbers["water"]) == [ids["water"]]
    assert set(await search_ids(sup, number="HK20260928-")) == {ids["noise"], ids["water"], ids["light"]}
    assert set(await search_ids(sup, number="HK20260929")) == {ids["content_only"], ids["english"]}
    assert await search_ids(sup, number="HK2026092_-") == []  # LIKE wildcards are escaped
    assert await search_ids(sup, number="%") == []
    assert set(await search_ids(sup, phone="13800138000")) == {ids["noise"], ids["content_only"]}
    assert set(await search_ids(sup, phone="0898-66668888")) == {ids["light"]}
    assert await search_ids(sup, phone="1380013") == []
    # Combined with a filter.
    assert set(await search_ids(sup, q="噪音", source="web")) == {ids["content_only"]}


async def test_filters(login, org, clock) -> None:
    ct, sup, ids, _ = await _corpus(login, org, clock)
    d = org.departments
    s = lambda **p: search_ids(sup, **p)  # noqa: E731
    assert set(await s(state="pending_review")) == {ids["content_only"]}
    assert set(await s(state="pending_signoff,closed")) == {ids["water"], ids["light"], ids["noise"]}
    assert set(await s(state="待派发")) == {ids["english"]}  # the Chinese label works too
    assert set(await s(case_type="complaint")) == {ids["noise"], ids["content_only"]}
    assert set(await s(case_type="求助")) == {ids["water"]}
    assert set(await s(source="web")) == {ids["content_only"]}
    assert set(await s(source="phone")) == set(ids.values()) - {ids["content_only"]}
    assert set(await s(department=d["traffic"])) == {ids["light"]}
    assert set(await s(department=d["longhua"])) == {ids["light"]}
    assert set(await s(department=d["housing"])) == set()
    assert set(await s(urgency="urgent")) == {ids["water"]}
    assert set(await s(overdue="due_soon")) == {ids["water"]}
    assert set(await s(overdue="done_on_time")) == {ids["noise"]}
    assert set(await s(**{"from": "2026-09-29"})) == {ids["content_only"], ids["english"]}
    assert set(await s(**{"to": "2026-09-28"})) == {ids["noise"], ids["water"], ids["light"]}
    assert set(await s(**{"from": "2026-09-28", "to": "2026-09-28"})) == {ids["noise"], ids["water"], ids["light"]}
    assert await s(**{"from": "2026-10-01"}) == []
    assert set(await s(disposition="forwarded")) == set(ids.values())
    # A department user's search is limited to his department's cases, whatever the filter says.
    tc = await login("traffic_clerk")
    assert await search_ids(tc) == [ids["light"]]
    assert await search_ids(tc, department=d["water"]) == []


async def test_paging_and_sorting(login, org) -> None:
    ct, sup = await login("ct"), await login("sup")
    made = []
    for i, (case_type, urgency) in enumerate([("complaint", "normal"), ("help", "urgent"), ("consultation", "normal"),
                                              ("suggestion", "normal"), ("complaint", "normal")]):
        made.append(await new_case(ct, title=f"排序测试{i}", case_type=case_type, urgency=urgency))
    ids = [c["id"] for c in made]
    first = await sup.ok("GET", "/cases", params={"per_page": 2, "page": 1})
    assert first["total"] == 5 and first["per_page"] == 2 and first["page"] == 1
    pages = [first["items"]] + [(await sup.ok("GET", "/cases", params={"per_page": 2, "page": p}))["items"]
                                for p in (2, 3, 4)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    seen = [i["id"] for p in pages for i in p]
    assert seen == list(reversed(ids))  # newest first by default
    assert await search_ids(sup, sort="created_at") == ids
    assert await search_ids(sup, sort="number") == ids
    assert await search_ids(sup, sort="-number") == list(reversed(ids))
    by_deadline = await sup.ok("GET", "/cases", params={"sort": "deadline"})
    deadlines = [i["deadline"] for i in by_deadline["items"]]
    assert deadlines == sorted(deadlines) and by_deadline["items"][0]["id"] == ids[1]
    capped = await sup.ok("GET", "/cases", params={"per_page": 1000})
    assert capped["per_page"] == 100
    assert (await sup.ok("GET", "/lists/dispatch", params={"per_page": 2, "page": 3}))["items"][0]["id"] == ids[0]


@pytest.mark.parametrize("params, field", [
    ({"state": "bogus"}, "state"), ({"state": "closed,nope"}, "state"), ({"case_type": "rant"}, "case_type"),
    ({"source": "pigeon"}, "source"), ({"urgency": "very"}, "urgency"), ({"overdue": "late"}, "overdue"),
    ({"disposition": "x"}, "disposition"), ({"department": "water"}, "department"), ({"page": "two"}, "page"),
    ({"per_page": "1e3"}, "per_page"), ({"from": "2026-13-01"}, "from"), ({"to": "28/09/2026"}, "to"),
    ({"from": "2026-10-02", "to": "2026-10-01"}, "to"), ({"sort": "-password"}, "sort")])
async def test_bad_filter_values_are_400_with_fields(login, params, field) -> None:
    sup = await login("sup")
    for path in ("/cases", "/lists/dispatch"):
        status, body = await sup.call("GET", path, params=params)
        assert status == 400, (params, body)
        assert field in body["error"]["fields"] and body["error"]["message"]


async def test_the_running_service_indexes_new_cases_by_itself(server, login) -> None:
    """The background indexer (once a second by default) brings each new case into the index."""
    ct = await login("ct")
    case = await new_case(ct, title="椰林路积水")
    db = server.app[DATABASE]
    for _ in range(50):
        async with db.reader() as conn:
            async with conn.execute("SELECT upto FROM search_progress") as cur:
                if (await cur.fetchone())[0] >= case["id"]:
                    break
        await asyncio.sleep(0.1)
    async with db.reader() as conn:
        async with conn.execute("SELECT rowid FROM case_fts WHERE case_fts MATCH ?", (match_query("积水"),)) as cur:
            assert [r[0] for r in await cur.fetchall()] == [case["id"]]
