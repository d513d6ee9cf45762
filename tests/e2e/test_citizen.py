"""The citizen's page, without logging in: submit a request, then follow it by number and code."""
from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.pages import act


async def test_citizen_submits_then_looks_up_progress(browser, as_user, server, org) -> None:
    base = str(server.make_url("/")).rstrip("/")
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    citizen = await context.new_page()
    await citizen.goto(f"{base}/public")
    await citizen.fill("input[name=title]", "人民大道路灯不亮")
    await citizen.select_option("select[name=case_type]", "complaint")
    await citizen.fill("textarea[name=content]", "人民大道海大南门段路灯一周不亮，夜间行人不安全。")
    await citizen.fill("input[name=caller_name]", "李四")
    await citizen.fill("input[name=caller_phone]", "13907550000")
    await citizen.click("form#public-form button[type=submit]")
    await citizen.wait_for_load_state()
    number = (await citizen.inner_text("dd.case-number")).strip()
    code = (await citizen.inner_text("dd.query-code")).strip()
    await screenshot(citizen, "07_citizen_receipt")
    assert number.startswith("HK") and len(code) == 6

    ct = await as_user("ct")
    await ct.goto(f"{base}/lists/review")
    row = ct.locator("tr", has_text=number)
    assert await row.count() == 1
    await row.locator("a.case-title").click()
    await act(ct, "accept", fill={"opinion": "初审通过"})

    await citizen.goto(f"{base}/public/lookup")
    await citizen.fill("#lookup-form input[name=number]", number)
    await citizen.fill("#lookup-form input[name=code]", code)
    await citizen.click("#lookup-form button[type=submit]")
    await citizen.wait_for_load_state()
    page_text = await citizen.inner_text("#public-case")
    assert "待派发" in page_text and "王话务" not in page_text and "初审通过" not in page_text
    await screenshot(citizen, "08_citizen_lookup")

    response = await citizen.goto(f"{base}/public/lookup?number={number}&code=000000" if code != "000000"
                                  else f"{base}/public/lookup?number={number}&code=111111")
    assert response.status == 404
    await context.close()
