"""The statistics charts render in a real browser under the app's CSP: a canvas in every chart, no console errors."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.integration.helpers import act, dispatched, new_case
from tests.integration.insight_helpers import insert_calls
from web.app import PAGE_MODULES, create_app
from web.pages import appraisal as appraisal_pages


@pytest.fixture
async def server(aiohttp_server, settings, clock):
    app = create_app(settings, clock=clock)
    if appraisal_pages not in PAGE_MODULES:  # until web/app.py lists the module
        app.router.add_routes(appraisal_pages.routes)
    return await aiohttp_server(app)


async def test_charts_render_without_console_errors(server, org, login, as_user) -> None:
    ct, sup = await login("ct"), await login("sup")
    for title, dept in (("金贸街道停水", "water"), ("海甸街道物业收费", "housing"), ("国贸路公交线路", "traffic")):
        case = await dispatched(ct, sup, [org.departments[dept]], title=title)
    for _ in range(5):
        await new_case(ct, title="海甸街道燃气泄漏", address="海口市美兰区海甸街道", district="美兰区")
    clerk = await login("traffic_clerk")
    await act(clerk, case["id"], "sign", handler_id=org.users["traffic_clerk"])
    await new_case(ct, route="front_desk", answer="已答复", case_type="consultation", title="社保卡办理")
    await insert_calls(server, [{"offered_at": "2026-09-28 08:00:00", "answered_at": "2026-09-28 08:00:09",
                                 "wait_seconds": 9, "talk_seconds": 90, "disposition": "forwarded"},
                                {"offered_at": "2026-09-28 08:30:00", "wait_seconds": 40, "disposition": "abandoned"}])
    page = await as_user("sup")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    base = str(server.make_url("/")).rstrip("/")
    for path, charts in (("/stats", ("daily", "types", "departments")), ("/calls/table", ("calls",)),
                         ("/appraisal", ("ranking",)), ("/hotspots", ("trend",))):
        await page.goto(base + path)
        for name in charts:
            await page.wait_for_selector(f'[data-chart="{name}"] canvas', state="attached")
        assert await page.locator("script:not([src]):not([type='application/json'])").count() == 0
        await screenshot(page, "insight" + path.replace("/", "_"))
    assert not problems, problems
