"""Pages: 市民网上诉求 (submit and look up), 来电情况 with its four tabs, 办件统计 and 热点.

Numbers on the statistics pages are checked against counts made here and against the 办件查询
page each of them links to.
"""
from __future__ import annotations

import html
import re
from typing import Any

import aiohttp

from tests.integration.helpers import act, dispatched, new_case, relogin
from tests.support import Api

CITIZEN = {"title": "海秀路井盖缺失", "content": "海秀路与龙昆路交叉口井盖缺失，夜间危险", "case_type": "help",
           "caller_name": "陈市民", "caller_phone": "13876543210", "address": "龙华区海秀路", "district": "龙华区"}
STAT_ROW = re.compile(r'<tr data-key="(?P<key>\w+)"><td class="stat-label">(?P<label>[^<]*)</td><td class="num">'
                      r'(?:<a href="(?P<href>[^"]*)"[^>]*>|<span class="count">)(?P<n>\d+)<')
DAY_ROW = re.compile(r'<tr[^>]*data-day="(?P<day>[^"]+)">(?P<cells>.*?)</tr>', re.S)
CELL = re.compile(r'<td class="num">(?:<a href="(?P<href>[^"]*)"[^>]*>|<span class="count">)(?P<n>\d+)<')
PAGER_TOTAL = re.compile(r"共 (\d+) 件")


async def page(session: aiohttp.ClientSession, base: str, path: str, **kw: Any) -> tuple[int, str]:
    async with session.get(base + path, allow_redirects=False, **kw) as resp:
        return resp.status, await resp.text()


async def post_form(session: aiohttp.ClientSession, base: str, path: str, data: dict[str, str]) -> tuple[int, str]:
    async with session.post(base + path, data=data, allow_redirects=False) as resp:
        return resp.status, await resp.text()


def base_of(server) -> str:
    return str(server.make_url("/")).rstrip("/")


def stat_rows(text: str) -> dict[str, dict[str, tuple[int, str | None]]]:
    """{section key: {row label: (count, link)}} from a page built with stats_macros.section_table."""
    found: dict[str, dict[str, tuple[int, str | None]]] = {}
    for m in STAT_ROW.finditer(text):
        href = html.unescape(m["href"]) if m["href"] else None
        found.setdefault(m["key"], {})[html.unescape(m["label"])] = (int(m["n"]), href)
    return found


def day_rows(text: str) -> dict[str, list[tuple[int, str]]]:
    return {m["day"]: [(int(c["n"]), html.unescape(c["href"])) for c in CELL.finditer(m["cells"])]
            for m in DAY_ROW.finditer(text)}


def receipt(text: str) -> tuple[str, str]:
    number = re.search(r'class="case-number">([^<]+)<', text)
    code = re.search(r'class="query-code">([^<]+)<', text)
    assert number and code, text
    return number[1], code[1]


async def listed(api: Api, base: str, href: str) -> int:
    """How many cases the 办件查询 page behind a link lists."""
    status, text = await page(api.session, base, href)
    assert status == 200, (href, text[:500])
    match = PAGER_TOTAL.search(text)
    assert match, text
    return int(match[1])


async def check_links(api: Api, base: str, rows: dict[str, dict[str, tuple[int, str | None]]]) -> int:
    """Every linked number equals the number of cases its 办件查询 link lists; returns how many were checked."""
    checked = 0
    for key, section in rows.items():
        for label, (n, href) in section.items():
            if href is not None:
                assert href.startswith("/search?"), href
                assert await listed(api, base, href) == n, (key, label, n, href)
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
    status, text = await page(sup.session, base, "/calls/table")
    assert status == 200 and "按办件统计" in text
    days = day_rows(text)
    assert len(days) == 31  # 30 days and the total line
    assert [n for n, _ in days["2026-09-28"]] == [2, 1, 1, 4]
    assert [n for n, _ in days["total"]] == [2, 1, 1, 4]
    assert [n for n, _ in days["2026-09-27"]] == [0, 0, 0, 0]
    for n, href in days["2026-09-28"] + days["total"]:
        assert await listed(sup, base, href) == n, href

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
    rows = stat_rows(text)
    assert {k: n for k, (n, _) in rows["state"].items() if n} == {"待初审": 1, "待派发": 1, "待签收": 2, "已办结": 1,
                                                                 "已反馈": 1}
    assert {k: n for k, (n, _) in rows["case_type"].items() if n} == {"投诉": 2, "咨询": 2, "求助": 2}
    assert {k: n for k, (n, _) in rows["source"].items() if n} == {"电话": 5, "网站": 1}
    assert {k: n for k, (n, _) in rows["department"].items()} == {"市水务局": 2, "市住房和城乡建设局": 2}
    assert rows["overdue"]["超期未办结"][0] == 0 and rows["overdue"]["超期已办结"][0] == 0
    assert rows["overdue"]["按时办结"][0] == 2
    assert sum(n for n, _ in rows["overdue"].values()) == 5  # all but the one awaiting 初审
    assert {k: n for k, (n, _) in rows["satisfaction"].items()} == {"满意": 1, "基本满意": 0, "不满意": 0}
    assert all(href is None for _, href in rows["satisfaction"].values())
    assert "100.0%" in text
    assert await check_links(sup, base, rows) >= 20

    leader = await login("water_leader")
    status, text = await page(leader.session, base, "/stats")
    assert status == 200 and re.search(r'id="stat-total"><a href="[^"]*"[^>]*>2<', text)
    rows = stat_rows(text)
    assert {k: n for k, (n, _) in rows["department"].items()} == {"市水务局": 2}
    assert {k: n for k, (n, _) in rows["state"].items() if n} == {"待签收": 1, "已反馈": 1}
    assert "物业收费咨询" not in text and "住房和城乡建设局" not in text
    await check_links(leader, base, rows)

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
    rows = stat_rows(text)
    assert {k: n for k, (n, _) in rows["overdue"].items() if n} == {"超期未办结": 1, "超期已办结": 1}
    await check_links(sup, base, {"overdue": rows["overdue"]})


# --- 热点 -----------------------------------------------------------------------------------------------

async def test_hotspots_show_real_recent_data(server, login, org, clock) -> None:
    base = base_of(server)
    ct, sup = await login("ct"), await login("sup")
    water, housing = org.departments["water"], org.departments["housing"]
    for street in ("金贸街道", "大同街道", "海垦街道", "国贸路"):
        await dispatched(ct, sup, [water], title=f"{street}小区停水未提前通知", district="龙华区")
    await dispatched(ct, sup, [housing], title="海甸街道物业收费不合理", district="美兰区")
    await dispatched(ct, sup, [housing], title="白龙南路物业收费不合理", district="美兰区")
    status, text = await page(sup.session, base, "/hotspots")
    assert status == 200 and "后续版本" in text and 'id="hot-total">6<' in text
    rows = stat_rows(text)
    assert rows["district"]["龙华区"][0] == 4 and rows["district"]["美兰区"][0] == 2
    assert rows["type_district"]["龙华区 · 投诉"][0] == 4
    keywords = {k: n for k, (n, _) in rows["keywords"].items()}
    assert keywords.get("停水未提") == 4 or keywords.get("提前通知") == 4, keywords
    assert any("物业" in k and n == 2 for k, n in keywords.items()), keywords
    assert not any("龙华" in k or "街道" in k for k in keywords), keywords
    href = rows["keywords"]["提前通知" if "提前通知" in keywords else "停水未提"][1]
    assert href and href.startswith("/search?") and await listed(sup, base, href) == 4

    leader = await login("water_leader")
    status, text = await page(leader.session, base, "/hotspots")
    assert status == 200 and 'id="hot-total">4<' in text and "物业" not in text

    clock.advance(days=45)
    await relogin(sup)
    status, text = await page(sup.session, base, "/hotspots")
    assert status == 200 and 'id="hot-total">0<' in text
