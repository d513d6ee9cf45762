"""Returns, urging, printing and scope, through the pages."""
from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.pages import act, flash, open_case, state_label
from tests.e2e.test_lifecycle import register_complaint


async def test_return_and_redispatch_then_urging_shows_in_department_list(as_user, server, org) -> None:
    base = str(server.make_url("/")).rstrip("/")
    ct, sup = await as_user("ct"), await as_user("sup")
    case_id = await register_complaint(ct, base, "海甸岛路段积水严重")
    await open_case(sup, base, case_id)
    await act(sup, "dispatch", check=["市交通运输局"], fill={"opinion": "请处理"})

    traffic = await as_user("traffic_clerk")
    await open_case(traffic, base, case_id)
    await act(traffic, "return", fill={"opinion": "积水属排水设施问题，不属本单位职责"})
    assert "退回" in await flash(traffic)

    await sup.goto(f"{base}/lists/dispatch")
    row = sup.locator(f"tr[data-case-id='{case_id}']")
    assert "returned" in (await row.get_attribute("class") or "")
    assert "已退回" in await row.inner_text()
    await open_case(sup, base, case_id)
    await act(sup, "dispatch", check=["市水务局"], fill={"opinion": "重新派发至水务局"})
    assert await state_label(sup) == "待签收"
    await act(sup, "urge", fill={"opinion": "市民多次反映，请尽快处理"})

    water = await as_user("water_clerk")
    await water.goto(f"{base}/lists/signoff")
    row = water.locator(f"tr[data-case-id='{case_id}']")
    assert "督办1" in await row.inner_text()
    await screenshot(water, "05_signoff_with_urging")


async def test_print_approval_forms_and_list_of_selected_cases(as_user, server, org) -> None:
    base = str(server.make_url("/")).rstrip("/")
    ct, sup = await as_user("ct"), await as_user("sup")
    ids = [await register_complaint(ct, base, f"打印测试办件{i}") for i in range(2)]
    for case_id in ids:
        await open_case(sup, base, case_id)
        await act(sup, "dispatch", check=["市水务局"], fill={"opinion": "请处理"})
    clerk = await as_user("water_clerk")
    await clerk.goto(f"{base}/lists/signoff")
    for case_id in ids:
        await clerk.check(f"tr[data-case-id='{case_id}'] input[name=ids]")
    async with clerk.context.expect_page() as popup:
        await clerk.click("#print-forms")
    forms = await popup.value
    await forms.wait_for_load_state()
    assert await forms.locator("article.approval-form").count() == 2
    assert "办件审批表" in await forms.inner_text("body")
    await screenshot(forms, "06_approval_forms")
    async with clerk.context.expect_page() as popup:
        await clerk.click("#print-list")
    listing = await popup.value
    await listing.wait_for_load_state()
    assert await listing.locator("table.grid tr").count() == 3
    assert "打印测试办件0" in await listing.inner_text("body")


async def test_department_user_is_denied_another_departments_case(as_user, server, org) -> None:
    base = str(server.make_url("/")).rstrip("/")
    ct, sup = await as_user("ct"), await as_user("sup")
    case_id = await register_complaint(ct, base, "只派给水务局的办件")
    await open_case(sup, base, case_id)
    await act(sup, "dispatch", check=["市水务局"], fill={"opinion": "请处理"})
    housing = await as_user("housing_clerk")
    response = await housing.goto(f"{base}/cases/{case_id}")
    assert response.status == 404
    assert "只派给水务局的办件" not in await housing.content()
    response = await housing.goto(f"{base}/print/forms?ids={case_id}")
    assert response.status == 404


async def test_form_errors_keep_what_was_typed(as_user, server, org) -> None:
    base = str(server.make_url("/")).rstrip("/")
    ct = await as_user("ct")
    await ct.goto(f"{base}/cases/new")
    await ct.select_option("select[name=case_type]", "help")
    await ct.fill("input[name=caller_phone]", "12ab")
    await ct.fill("input[name=title]", "井盖缺失")
    await ct.fill("textarea[name=content]", "路口井盖缺失很危险")
    await ct.check("input[name=route][value=centre]")
    await ct.click("form#intake-form button[type=submit]")
    await ct.wait_for_load_state()
    assert "电话号码格式不正确" in await ct.inner_text("[data-field=caller_phone]")
    assert await ct.input_value("input[name=title]") == "井盖缺失"
    assert await ct.input_value("textarea[name=content]") == "路口井盖缺失很危险"
