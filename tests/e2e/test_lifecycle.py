"""The whole life of a joint complaint, walked through the pages only, as each role."""
from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.pages import act, case_id_from, flash, open_case, state_label


async def register_complaint(page, base: str, title: str) -> int:
    await page.goto(f"{base}/cases/new")
    await page.select_option("select[name=case_type]", "complaint")
    await page.fill("input[name=caller_name]", "王五")
    await page.fill("input[name=caller_phone]", "13800138000")
    await page.select_option("select[name=district]", "龙华区")
    await page.fill("input[name=address]", "海口市龙华区金贸西路1号")
    await page.fill("input[name=title]", title)
    await page.fill("textarea[name=content]", "每天晚上十一点后仍在施工，噪音很大，影响休息。")
    await page.check("input[name=route][value=centre]")
    await screenshot(page, "01_new_case")
    async with page.expect_navigation():
        await page.click("form#intake-form button[type=submit]")
    assert "已登记办件" in await flash(page)
    return case_id_from(page.url)


async def test_joint_case_through_every_role(as_user, server, org) -> None:
    base = str(server.make_url("/")).rstrip("/")
    ct = await as_user("ct")
    case_id = await register_complaint(ct, base, "金贸西路工地夜间施工噪音扰民")
    assert await state_label(ct) == "待派发"

    sup = await as_user("sup")
    await sup.goto(f"{base}/lists/dispatch")
    await screenshot(sup, "02_dispatch_list")
    await sup.click(f"tr[data-case-id='{case_id}'] a.case-title")
    await act(sup, "dispatch", check=["市水务局", "市住房和城乡建设局"],
              select={"lead": str(org.departments["housing"])}, fill={"opinion": "请核查处理并答复市民"})
    assert await state_label(sup) == "待签收"

    for clerk, handler in (("water_clerk", "water_h1"), ("housing_clerk", "housing_h1")):
        page = await as_user(clerk)
        await page.goto(f"{base}/lists/signoff")
        assert await page.locator(f"tr[data-case-id='{case_id}']").count() == 1
        await open_case(page, base, case_id)
        await act(page, "sign", select={"handler_id": str(org.users[handler])})
        assert "签收" in await flash(page)

    housing = await as_user("housing_h1")
    await open_case(housing, base, case_id)
    deadline_before = await housing.locator("dl.facts dd.deadline").inner_text()
    await act(housing, "request_extension", fill={"days": "3", "opinion": "需协调施工单位整改"})
    await sup.goto(f"{base}/lists/extensions")
    await sup.click(f"tr[data-case-id='{case_id}'] a.case-title")
    await act(sup, "decide_extension", fill={"opinion": "同意延期"})
    deadline_after = await sup.locator("dl.facts dd.deadline").inner_text()
    assert deadline_after > deadline_before

    water = await as_user("water_h1")
    await water.goto(f"{base}/lists/todo")
    assert await water.locator(f"tr[data-case-id='{case_id}']").count() == 1
    await open_case(water, base, case_id)
    await act(water, "complete", fill={"opinion": "已配合核查排水设施"})
    await open_case(housing, base, case_id)
    await act(housing, "complete", fill={"opinion": "已责令施工单位夜间停工"})
    assert await state_label(housing) == "待审核"

    await sup.goto(f"{base}/lists/approval")
    await sup.click(f"tr[data-case-id='{case_id}'] a.case-title")
    await sup.click("button[data-tab=opinions]")
    await screenshot(sup, "03_opinions_side_by_side")
    assert await sup.locator(".opinion").count() == 2
    await act(sup, "approve", fill={"opinion": "同意办结"})
    assert await state_label(sup) == "已办结"

    await ct.goto(f"{base}/lists/callback")
    await ct.click(f"tr[data-case-id='{case_id}'] a.case-title")
    await act(ct, "callback", select={"satisfaction": "unsatisfied"}, check=["不满意，重办"],
              fill={"opinion": "市民反映仍有夜间施工"})
    assert await state_label(ct) == "待派发"

    await open_case(sup, base, case_id)
    await act(sup, "dispatch", check=["市住房和城乡建设局"], fill={"opinion": "市民不满意，请重办"})
    clerk = await as_user("housing_clerk")
    await open_case(clerk, base, case_id)
    await act(clerk, "sign", select={"handler_id": str(org.users["housing_h1"])})
    await open_case(housing, base, case_id)
    await act(housing, "complete", fill={"opinion": "已联合执法，工地夜间停工"})
    await open_case(sup, base, case_id)
    await act(sup, "approve", fill={"opinion": "同意"})
    await open_case(ct, base, case_id)
    await act(ct, "callback", select={"satisfaction": "satisfied"}, fill={"opinion": "市民满意"})
    assert await state_label(ct) == "已反馈"
    await ct.click("button[data-tab=flow]")
    await screenshot(ct, "04_flow")
    labels = await ct.locator("table.flow tr td:nth-child(2)").all_inner_texts()
    assert labels.count("回访") == 2 and "申请延期" in labels and "审批延期" in labels
