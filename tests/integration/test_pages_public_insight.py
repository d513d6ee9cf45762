"""Pages: 市民网上诉求 (submit and look up), 来电情况 with its four tabs, 办件统计 and 热点.

Numbers on the statistics pages are checked against counts made here and against the list page
each of them links to (the statistics themselves: tests/integration/test_insight_*.py).
"""
from __future__ import annotations

import re
from typing import Any

import aiohttp

from tests.integration.helpers import act, dispatched, new_case, relogin
from tests.integration.insight_helpers import Table, listed as listed_total, tables
from tests.support import Api

CITIZEN = {"title": "海秀路井盖缺失", "content": "海秀路与龙昆路交叉口井盖缺失，夜间危险", "case_type": "help",
           "caller_name": "陈市民", "caller_phone": "13876543210", "address": "龙华区海秀路", "district": "龙华区"}


async def page(session: aiohttp.ClientSession, base: str, path: str, **kw: Any) -> tuple[int, str]:
    async with session.get(base + path, allow_redirects=False, **kw) as resp:
        return resp.status, await resp.text()


async def post_form(session: aiohttp.ClientSession, base: str, path: str, data: dict[str, str]) -> tuple[int, str]:
    async with session.post(base + path, data=data, allow_redirects=False) as resp:
        return resp.status, await resp.text()


def base_of(server) -> str:
    return str(server.make_url("/")).rstrip("/")


def receipt(text: str) -> tuple[str, str]:
    number = re.search(r'class="case-number">([^<]+)<', text)
    code = re.search(r'class="query-code">([^<]+)<', text)
    assert number and code, text
    return number[1], code[1]


async def listed_records(api: Api, href: str | None) -> int:
    assert href is not None and href.startswith("/calls/records?"), href
    return await listed_total(api, href)


async def check_stat_links(api: Api, table: Table) -> int:
    """Every number of a statistics table equals the length of the list it links to."""
    checked = 0
    for key, cells in table.rows.items():
        for text, href in cells[1:]:
            if href is not None:
                assert href.startswith("/stats/cases?"), href
                assert await listed_total(api, href) == int(text), (table.key, key, text, href)
                checked += 1
    return checked


# --- 市民网上诉求 ---------------------------------------------------------------------------------------

async def test_citizen_submits_and_looks_up_without_staff_details(server, login, org) -> None:
    base = base_of(server)
    async with aiohttp.ClientSession() as citizen:
        status, text = await page(citizen, base, "/public")
        assert status == 200 and 'action="/public/submit"' in text and "联系电话" in text and "登出" not in text
        status, text = await post_form(citizen, base, "/public/submit", CITIZEN)
        assert status == 200 and "提交成功" in text, text
        number, code = receipt(text)
        assert number.startswith("HK20260928-") and code.isdigit()

        ct, sup = await login("ct"), await login("sup")
        found = await ct.ok("GET", "/cases", params={"number": number})
        [case] = found["items"]
        assert case["state"] == "pending_review" and case["source"] == "web" and case["caller_phone"] == "13876543210"

        status, text = await page(citizen, base, "/public/lookup", params={"number": number, "code": code})
        assert status == 200 and "待初审" in text and CITIZEN["title"] in text

        await act(ct, case["id"], "accept", opinion="初审意见：内部备注甲")
        await act(sup, case["id"], "dispatch", departments=[org.departments["water"]], opinion="内部备注乙")
        status, text = await page(citizen, base, "/public/lookup", params={"number": number, "code": code})
        assert status == 200 and "待签收" in text and "待派发" in text
        for secret in ("王话务", "张监督", "内部备注", "13876543210", "陈市民"):
            assert secret not in text, secret

        wrong = "000000" if code != "000000" else "111111"
        status, text = await page(citizen, base, "/public/lookup", params={"number": number, "code": wrong})
        assert status == 404 and "办件编号或查询码不正确" in text and CITIZEN["title"] not in text
        assert f'value="{number}"' in text
        status, text = await page(citizen, base, "/public/lookup", params={"number": number})
        assert status == 400 and 'data-field="code"' in text
        status, text = await page(citizen, base, "/public/lookup")
        assert status == 200 and 'id="lookup-form"' in text


async def test_lookup_and_receipt_are_not_cached(server, org) -> None:
    base = base_of(server)
    async with aiohttp.ClientSession() as citizen:
        async with citizen.post(base + "/public/submit", data=CITIZEN) as resp:
            assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
            number, code = receipt(await resp.text())
        async with citizen.get(base + "/public/lookup", params={"number": number, "code": code}) as resp:
            assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"


async def test_bad_citizen_input_shows_field_errors_and_keeps_values(server, login, org) -> None:
    base = base_of(server)
    async with aiohttp.ClientSession() as citizen:
        typed = {**CITIZEN, "caller_phone": "110abc", "content": "井盖<缺失>，请尽快处理"}
        status, text = await post_form(citizen, base, "/public/submit", typed)
        assert status == 400 and 'data-field="caller_phone"' in text and "电话号码格式不正确" in text
        assert f'value="{CITIZEN["title"]}"' in text and 'value="110abc"' in text
        assert "井盖&lt;缺失&gt;，请尽快处理</textarea>" in text
        assert re.search(r'<option value="help"\s+selected>', text) and re.search(r'<option value="龙华区"\s+selected>', text)

        status, text = await post_form(citizen, base, "/public/submit", {**CITIZEN, "caller_phone": "", "title": ""})
        assert status == 400 and "请填写联系电话" in text and 'data-field="title"' in text
        # Routing fields cannot be smuggled in through the form.
        status, text = await post_form(citizen, base, "/public/submit",
                                       {**CITIZEN, "route": "front_desk", "answer": "x", "source": "phone"})
        assert status == 200
        number, _ = receipt(text)
    sup = await login("sup")
    [case] = (await sup.ok("GET", "/cases", params={"number": number}))["items"]
    assert case["state"] == "pending_review" and case["source"] == "web"
    # Logged-in staff may use the public form too, with the page's CSRF token.
    status, _ = await post_form(sup.session, base, "/public/submit", CITIZEN)
    assert status == 403
    status, text = await post_form(sup.session, base, "/public/submit", {**CITIZEN, "_csrf": sup.csrf})
    assert status == 200 and "提交成功" in text


# --- 来电情况 -------------------------------------------------------------------------------------------

async def _phone_cases(ct: Api) -> dict[str, list[str]]:
    made: dict[str, list[str]] = {"forwarded": [], "front_desk": [], "invalid": [], "other": []}
    for route, key in (("centre", "forwarded"), ("centre", "forwarded"), ("front_desk", "front_desk"),
                       ("invalid", "invalid")):
        case = await new_case(ct, route=route, answer="已答复来电人" if route == "front_desk" else "")
        made[key].append(case["number"])
    fax = await new_case(ct, source="fax", route="review", title="传真来件不计入来电")
    made["other"].append(fax["number"])
    return made


async def test_calls_tabs_and_table(server, login, org) -> None:
    base = base_of(server)
    ct, sup = await login("ct"), await login("sup")
    made = await _phone_cases(ct)
    for path, key in (("/calls", "forwarded"), ("/calls/forwarded", "forwarded"),
                      ("/calls/front_desk", "front_desk"), ("/calls/invalid", "invalid")):
        status, text = await page(sup.session, base, path)
        assert status == 200 and "来电情况" in text, path
        for other, numbers in made.items():
            for number in numbers:
                assert (number in text) == (other == key), (path, other, number)
        for tab in ("转办件", "办件", "无效件", "统计表"):
            assert f">{tab}</a>" in text
    # 统计表 now counts the call records (issue 7; tests/integration/test_insight_calls.py): none were written here.
    status, text = await page(sup.session, base, "/calls/table")
    assert status == 200 and "GB/T 33358" in text
    table = tables(text)["calls"]
    assert len(table.rows) == 31  # 30 days and the total line
    assert table.value("2026-09-28", "offered") == "0" and table.value("total", "answer_rate") == "—"
    assert await listed_records(sup, table.link("total", "offered")) == 0

    status, text = await page(sup.session, base, "/calls/table", params={"from": "2026-09-28", "to": "2026-09-01"})
    assert status == 400 and "结束日期不能早于开始日期" in text
    status, text = await page(sup.session, base, "/calls/table", params={"from": "2020-01-01", "to": "2026-09-01"})
    assert status == 400 and 'data-field="from"' in text
    status, _ = await page(sup.session, base, "/calls/nonsense")
    assert status == 404


async def test_insight_pages_are_refused_to_other_roles(server, login, org) -> None:
    base = base_of(server)
    for username, paths in (("water_clerk", ("/calls", "/calls/table", "/stats", "/hotspots")),
                            ("water_h1", ("/calls", "/stats", "/hotspots")),
                            ("ct", ("/stats", "/hotspots")), ("water_leader", ("/calls", "/calls/table")),
                            ("admin", ("/calls", "/stats", "/hotspots"))):
        api = await login(username)
        for path in paths:
            status, _ = await page(api.session, base, path)
            assert status == 403, (username, path)
    async with aiohttp.ClientSession() as anonymous:
        for path in ("/calls", "/stats", "/hotspots"):
            status, _ = await page(anonymous, base, path)
            assert status == 303, path


# --- 办件统计 -------------------------------------------------------------------------------------------

async def _stats_cases(server, login, org) -> dict[str, Any]:
    ct, sup = await login("ct"), await login("sup")
    water, housing = org.departments["water"], org.departments["housing"]
    w1 = await dispatched(ct, sup, [water], title="停水未提前通知")
    h1 = await dispatched(ct, sup, [housing], case_type="consultation", title="物业收费咨询")
    joint = await dispatched(ct, sup, [water, housing], lead=water, case_type="help", title="道路积水")
    await new_case(ct, route="front_desk", answer="已答复", case_type="consultation", title="社保卡办理")
    await new_case(ct, title="待派发的投诉")
    async with aiohttp.ClientSession() as citizen:
        status, _ = await post_form(citizen, base_of(server), "/public/submit", CITIZEN)
        assert status == 200
    # One water case goes all the way to a satisfied call-back.
    clerk, handler = await login("water_clerk"), await login("water_h1")
    await act(clerk, w1["id"], "sign", handler_id=org.users["water_h1"])
    await act(handler, w1["id"], "complete", opinion="已恢复供水")
    await act(sup, w1["id"], "approve", opinion="同意")
    await act(ct, w1["id"], "callback", resolved=True, satisfaction="satisfied")
    return {"sup": sup, "ids": (w1["id"], h1["id"], joint["id"])}


async def test_stats_counts_links_and_leader_scope(server, login, org) -> None:
    base = base_of(server)
    made = await _stats_cases(server, login, org)
    sup = made["sup"]
    status, text = await page(sup.session, base, "/stats")
    assert status == 200 and "2026-09-01 至 2026-09-28" in text
    assert re.search(r'id="stat-total"><a href="[^"]*"[^>]*>6<', text)
    found = tables(text)
    assert {k: n for k, n in found["state"].counts("total").items() if n} == {
        "待初审": 1, "待派发": 1, "待签收": 2, "已办结": 1, "已反馈": 1}
    assert {k: n for k, n in found["case_type"].counts("total").items() if n} == {"投诉": 2, "咨询": 2, "求助": 2}
    assert {k: n for k, n in found["source"].counts("total").items() if n} == {"电话": 5, "网站": 1}
    assert found["department"].counts("total") == {"市水务局": 2, "市住房和城乡建设局": 2}
    summary = found["all"]
    assert summary.value("", "overdue_open") == "0" and summary.value("", "done_overdue") == "0"
    assert summary.value("", "done_on_time") == "2"
    assert sum(int(summary.value("", c)) for c in ("on_time", "due_soon", "overdue_open", "done_on_time",
                                                  "done_overdue")) == 5  # all but the one awaiting 初审
    assert (summary.value("", "satisfied"), summary.value("", "basic"), summary.value("", "unsatisfied")) == ("1", "0", "0")
    assert "100.0%" in text
    checked = 0
    for key in ("all", "state", "department"):
        checked += await check_stat_links(sup, found[key])
    assert checked >= 40

    leader = await login("water_leader")
    status, text = await page(leader.session, base, "/stats")
    assert status == 200 and re.search(r'id="stat-total"><a href="[^"]*"[^>]*>2<', text)
    found = tables(text)
    assert found["department"].counts("total") == {"市水务局": 2}
    assert {k: n for k, n in found["state"].counts("total").items() if n} == {"待签收": 1, "已反馈": 1}
    assert "物业收费咨询" not in text and "住房和城乡建设局" not in text
    await check_stat_links(leader, found["all"])

    mayor = await login("mayor")
    status, text = await page(mayor.session, base, "/stats")
    assert status == 200 and re.search(r'id="stat-total"><a href="[^"]*"[^>]*>6<', text)

    status, text = await page(sup.session, base, "/stats", params={"from": "2026-10-01", "to": "2026-10-31"})
    assert status == 200 and re.search(r'id="stat-total"><a href="[^"]*"[^>]*>0<', text)
    status, text = await page(sup.session, base, "/stats", params={"from": "2026-13-01"})
    assert status == 400 and 'data-field="from"' in text and 'value="2026-13-01"' in text


async def test_stats_overdue_classes(server, login, org, clock) -> None:
    base = base_of(server)
    ct, sup = await login("ct"), await login("sup")
    water = org.departments["water"]
    late = await dispatched(ct, sup, [water], title="逾期后才办结")
    await dispatched(ct, sup, [water], title="一直未办结")
    clock.advance(days=60)
    clerk, handler = await login("water_clerk"), await login("water_h1")
    await relogin(ct, sup)
    await act(clerk, late["id"], "sign", handler_id=org.users["water_h1"])
    await act(handler, late["id"], "complete", opinion="已处理")
    await act(sup, late["id"], "approve", opinion="同意")
    status, text = await page(sup.session, base, "/stats", params={"from": "2026-09-01", "to": "2026-09-30"})
    assert status == 200
    summary = tables(text)["all"]
    assert (summary.value("", "overdue_open"), summary.value("", "done_overdue")) == ("1", "1")
    await check_stat_links(sup, summary)


# --- 热点 -----------------------------------------------------------------------------------------------

async def test_hotspots_page_counts_recent_cases_and_respects_scope(server, login, org, clock) -> None:
    """The page itself (detection and curation: tests/integration/test_insight_hotspots.py)."""
    base = base_of(server)
    ct, sup = await login("ct"), await login("sup")
    water, housing = org.departments["water"], org.departments["housing"]
    for street in ("金贸街道", "大同街道", "海垦街道", "国贸路"):
        await dispatched(ct, sup, [water], title=f"{street}小区停水未提前通知", district="龙华区")
    await dispatched(ct, sup, [housing], title="海甸街道物业收费不合理", district="美兰区")
    await dispatched(ct, sup, [housing], title="白龙南路物业收费不合理", district="美兰区")
    status, text = await page(sup.session, base, "/hotspots")
    assert status == 200 and 'id="hot-total">6<' in text and "人工添加热点" in text
    leader = await login("water_leader")
    status, text = await page(leader.session, base, "/hotspots")
    assert status == 200 and "hot-total" not in text and "人工添加热点" not in text and "物业" not in text
    clock.advance(days=45)
    await relogin(sup)
    status, text = await page(sup.session, base, "/hotspots")
    assert status == 200 and 'id="hot-total">0<' in text
