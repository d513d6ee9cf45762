"""热点 end to end: an ordinary month yields no candidate; a planted rise is found; a supervisor
confirms, merges, dismisses, renames and adds hotspots by hand; leaders see the curated list within
their scope; every count lists (and exports) its cases."""
from __future__ import annotations

import re
from datetime import datetime

from casework.demo.data import PLACES, TOPICS
from casework.reference.places import STREETS
from tests.conftest import TZ
from tests.integration.helpers import act, new_case, relogin
from tests.integration.insight_helpers import listed, page, workbook

STREET_LIST = [(d, s) for d, streets in STREETS.items() for s in streets]
PLANTED = "海甸街道小区燃气泄漏"


async def _month(login, org, clock) -> dict:
    """Two ordinary cases a day for 27 days, then 4 planted cases a day for 3 days (sent to housing)."""
    clock.current = datetime(2026, 8, 30, 9, 0, tzinfo=TZ)
    ct, sup = await login("ct"), await login("sup")
    made, n = {"ordinary_candidates": None}, 0
    for day in range(30):
        if day:
            clock.advance(days=1)
            await relogin(ct, sup)
        for _ in range(2):
            title, content, _, case_type = TOPICS[n % len(TOPICS)]
            district, street = STREET_LIST[n % len(STREET_LIST)]
            place = street + PLACES[n % len(PLACES)]
            await new_case(ct, title=title.format(place=place), content=content.format(addr=place),
                           case_type=case_type, address=f"海口市{district}{street}", district=district)
            n += 1
        if day == 26:
            status, text = await page(sup, "/hotspots")
            assert status == 200
            made["ordinary_candidates"] = int(re.search(r'id="hot-candidates">(\d+)<', text)[1])
        if day >= 27:
            for _ in range(4):
                case = await new_case(ct, title=PLANTED, content="闻到燃气味，担心爆炸", case_type="help",
                                      address="海口市美兰区海甸街道", district="美兰区")
                await act(sup, case["id"], "dispatch", departments=[org.departments["housing"]], opinion="请核查")
    return {**made, "sup": sup}


def _candidates(text: str) -> set[str]:
    return set(re.findall(r'data-candidate="([^"]+)"', text))


def _confirmed(text: str) -> dict[str, tuple[int, str]]:
    """{name: (count, cases link)} of the confirmed hotspots."""
    rows = re.findall(r'<tr data-hotspot="(\d+)"><td class="hot-name">([^<]+)</td>.*?<a href="([^"]+)" class="count"'
                      r'[^>]*>(\d+)<', text, re.S)
    return {name: (int(count), href.replace("&amp;", "&")) for _, name, href, count in rows}


async def _post(api, action: str, **data: str) -> str:
    async with api.session.post(api.base + f"/hotspots/{action}", data={**data, "_csrf": api.csrf},
                                allow_redirects=False) as resp:
        assert resp.status == 303, await resp.text()
    return (await page(api, "/hotspots"))[1]


async def test_hotspots_found_curated_and_shown_to_leaders(server, login, org, clock) -> None:
    made = await _month(login, org, clock)
    assert made["ordinary_candidates"] == 0
    sup = made["sup"]
    status, text = await page(sup, "/hotspots", refresh="1")
    assert status == 200 and {"燃气", "泄漏", "海甸街道"} <= _candidates(text), _candidates(text)
    assert re.search(r'id="hot-total">72<', text)
    mayor = await login("mayor")
    status, text = await page(mayor, "/hotspots")
    assert status == 200 and not _candidates(text) and "暂无已确认的热点" in text and "确认</button>" not in text

    text = await _post(sup, "confirm", term="燃气", kind="topic", name="海甸燃气泄漏")
    [(count, href)] = _confirmed(text).values()
    hotspot_id = href.split("id=")[1]
    text = await _post(sup, "merge", term="泄漏", target=hotspot_id)
    text = await _post(sup, "dismiss", term="海甸街道", kind="place")
    assert not {"燃气", "泄漏", "海甸街道"} & _candidates(text)
    assert "海甸街道（海甸街道" in text  # listed among the dismissed
    text = await _post(sup, "rename", id=hotspot_id, name="海甸片区燃气泄漏")
    text = await _post(sup, "add", name="停水专项", terms="停水 断水")
    shown = _confirmed(text)
    assert shown["海甸片区燃气泄漏"][0] == 12 and "燃气、泄漏" in text
    assert shown["停水专项"][0] == 3  # 停水未提前通知 came up three times in the ordinary cases
    assert await listed(sup, shown["海甸片区燃气泄漏"][1]) == 12

    status, text = await page(mayor, "/hotspots")
    assert _confirmed(text) == shown and not _candidates(text)
    listing = await workbook(mayor, "/hotspots/export.xlsx")
    assert [r[0] for r in listing["热点"][1:]] == list(shown) and {r[4] for r in listing["热点"][1:]} == {12, 3}
    assert sum(r[1] for r in listing["每日件数"][1:] if isinstance(r[1], int)) in (12, 3)
    book = await workbook(mayor, "/hotspots/cases/export.xlsx", id=hotspot_id)
    assert len(book["办件列表"]) == 13 and {r[1] for r in book["办件列表"][1:]} == {PLANTED}
    async with mayor.session.post(mayor.base + "/hotspots/confirm", data={"term": "x", "_csrf": mayor.csrf},
                                  allow_redirects=False) as resp:
        assert resp.status == 403
    assert (await page(mayor, "/hotspots/cases", term="燃气"))[0] == 403  # candidates are the centre's

    leader = await login("water_leader")
    status, text = await page(leader, "/hotspots")
    assert status == 200 and _confirmed(text)["海甸片区燃气泄漏"][0] == 0  # the planted cases went to housing
    assert await listed(leader, f"/hotspots/cases?id={hotspot_id}") == 0


async def test_curation_refuses_bad_input(server, login, org) -> None:
    sup = await login("sup")
    async with sup.session.post(sup.base + "/hotspots/add", data={"name": "", "terms": "", "_csrf": sup.csrf},
                                allow_redirects=False) as resp:
        assert resp.status == 303
    status, text = await page(sup, "/hotspots")
    assert status == 200 and "请填写热点名称" in text
    async with sup.session.post(sup.base + "/hotspots/nonsense", data={"_csrf": sup.csrf}) as resp:
        assert resp.status == 404
    assert (await page(sup, "/hotspots/cases"))[0] == 400
    assert (await page(sup, "/hotspots/cases", id="999"))[0] == 404
    for username in ("ct", "water_clerk", "admin"):
        assert (await page(await login(username), "/hotspots"))[0] == 403
