"""考核 on the crafted fortnight of test_insight_stats (12 October 2026 12:00), worked out by hand.

Pairs (case, department) and their flags:
  water   A, B, D, F: signed in time A, B (exactly 24 h), F; D late -> 3/4; returned 0/4;
          completed by the deadline A (to the second), F; B late; D open past it -> 2/4;
          closed A, B, F, reopened F -> 1/3; called back A 满意, B 基本满意, F 不满意 -> 2/3
          score (15×.75 + 15×1 + 30×.5 + 15×2/3 + 25×2/3) / 100 = 67.9
  housing C, D: C unsigned for more than 24 h -> 0/1; D returned -> 1/2; nothing else due
          score (15×0 + 15×.5) / 30 = 25.0
  traffic G: unsigned for more than 24 h -> 0/1; returned 0/1 -> score 15 / 30 = 50.0
"""
from __future__ import annotations

import pytest

from tests.integration.insight_helpers import PERIOD, check_links, crafted, page, same_as_page, tables, workbook
from web.app import PAGE_MODULES, create_app
from web.pages import appraisal as appraisal_pages


@pytest.fixture
async def server(aiohttp_server, settings, clock):
    app = create_app(settings, clock=clock)
    if appraisal_pages not in PAGE_MODULES:  # until web/app.py lists the module
        app.router.add_routes(appraisal_pages.routes)
    return await aiohttp_server(app)


def _rows(text: str) -> dict[str, dict[str, str]]:
    table = tables(text)["appraisal"]
    return {table.labels[k]: {c: table.value(k, c) for c in table.cols} for k in table.rows}


async def test_appraisal_by_hand(server, login, org, clock) -> None:
    made = await crafted(login, org, clock)
    sup = made["sup"]
    status, text = await page(sup, "/appraisal", **PERIOD)
    assert status == 200, text[:300]
    rows = _rows(text)
    water, housing, traffic = rows["市水务局"], rows["市住房和城乡建设局"], rows["市交通运输局"]
    assert (water["rank"], water["score"], water["sign"], water["return"], water["on_time"], water["reopen"],
            water["satisfaction"]) == ("1", "67.9", "75.0%", "0.0%", "50.0%", "33.3%", "66.7%")
    assert (water["assigned"], water["sign_due"], water["signed_in_time"], water["done_due"], water["done_on_time"],
            water["closed"], water["reopened"], water["feedback"], water["satisfied"]) == (
        "4", "4", "3", "4", "2", "3", "1", "3", "2")
    assert (traffic["rank"], traffic["score"], traffic["sign"], traffic["on_time"]) == ("2", "50.0", "0.0%", "—")
    assert (housing["rank"], housing["score"], housing["sign"], housing["return"], housing["satisfaction"]) == (
        "3", "25.0", "0.0%", "50.0%", "—")
    assert rows["龙华区人民政府"]["rank"] == "—" and "市12345热线监督指挥中心" not in rows
    assert list(rows)[:3] == ["市水务局", "市交通运输局", "市住房和城乡建设局"]
    assert await check_links(sup, tables(text)["appraisal"], "/stats/cases?") >= 25
    book = await workbook(sup, "/appraisal/export.xlsx", **PERIOD)
    same_as_page(tables(text)["appraisal"], book["单位考核排名"])
    assert book["权重"][1:] == [["及时签收率", 15], ["回退率", 15], ["按时办结率", 30], ["重办率", 15], ["满意率", 25]]


async def test_weights_change_the_score_and_only_admin_sets_them(server, login, org, clock) -> None:
    made = await crafted(login, org, clock)
    admin = await login("admin")
    status, text = await page(admin, "/admin/appraisal")
    assert status == 200 and 'name="on_time"' in text and 'value="30"' in text
    weights = {"sign": "0", "return": "0", "on_time": "100", "reopen": "0", "satisfaction": "0", "_csrf": admin.csrf}
    async with admin.session.post(admin.base + "/admin/appraisal", data=weights, allow_redirects=False) as resp:
        assert resp.status == 303
    rows = _rows((await page(made["sup"], "/appraisal", **PERIOD))[1])
    assert rows["市水务局"]["score"] == "50.0" and rows["市交通运输局"]["score"] == "—"
    bad = {**weights, "on_time": "0"}
    async with admin.session.post(admin.base + "/admin/appraisal", data=bad, allow_redirects=False) as resp:
        assert resp.status == 400 and "至少一项" in await resp.text()
    async with admin.session.post(admin.base + "/admin/appraisal", data={**weights, "sign": "x"}) as resp:
        assert resp.status == 400 and 'data-field="sign"' in await resp.text()
    sup = made["sup"]
    assert (await page(sup, "/admin/appraisal"))[0] == 403
    async with sup.session.post(sup.base + "/admin/appraisal", data={**weights, "_csrf": sup.csrf},
                                allow_redirects=False) as resp:
        assert resp.status == 403


async def test_leader_ranks_his_departments_only(server, login, org, clock) -> None:
    await crafted(login, org, clock)
    leader = await login("water_leader")
    status, text = await page(leader, "/appraisal", **PERIOD)
    assert status == 200 and list(_rows(text)) == ["市水务局"]
    for username in ("ct", "water_clerk", "admin"):
        assert (await page(await login(username), "/appraisal"))[0] == 403
