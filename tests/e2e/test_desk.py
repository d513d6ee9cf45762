"""The agent desk and the live board in the browser, with the PBX simulator ringing real phones."""
from __future__ import annotations

import re

from tests.e2e.conftest import screenshot
from tests.support import Api

HAIKOU_MOBILE = "13907550000"


async def test_call_pops_on_the_ringing_desk_only_and_becomes_a_linked_case(as_pbx_user, pbx_server) -> None:
    server, org, telephony = pbx_server
    base = str(server.make_url("/")).rstrip("/")
    api = await Api(base + "/").login("ct")
    earlier = await api.ok("POST", "/cases", {"title": "小区停水三天", "content": "停水", "case_type": "complaint",
                                              "route": "centre", "caller_phone": HAIKOU_MOBILE}, status=201)
    desk, other, sup = await as_pbx_user("ct"), await as_pbx_user("ct2"), await as_pbx_user("sup")
    for page, path in ((desk, "/desk"), (other, "/desk"), (sup, "/board")):
        await page.goto(base + path)
        await page.wait_for_selector("#socket-state:has-text('正常')")

    linked = await telephony.simulator.place_call(caller_number=HAIKOU_MOBILE, caller_name="王五", agent="PJSIP/8001",
                                                  answer_after=2.0, talk_seconds=3.0)
    await desk.wait_for_selector("#pop:not([hidden])")
    assert await desk.inner_text("#pop-number") == HAIKOU_MOBILE
    assert "海口" in await desk.inner_text("#pop-location")
    await desk.wait_for_selector(f"#pop-open a:has-text('{earlier['number']}')")
    await sup.wait_for_selector(f"#board-calls tr[data-linked-id='{linked}']")
    await screenshot(sup, "11_board_with_call")
    await desk.wait_for_selector("#pop-state:has-text('通话中')")
    await screenshot(desk, "10_desk_pop")
    assert await other.locator("#pop").is_hidden()

    await desk.wait_for_selector("#pop-state:has-text('话后整理')", timeout=15000)
    await desk.wait_for_function("document.getElementById('call-id').value !== ''")
    await desk.select_option("#desk-form select[name=case_type]", "complaint")
    await desk.fill("#desk-form input[name=title]", "再次反映停水")
    await desk.fill("#desk-form textarea[name=content]", "小区仍然停水，要求尽快恢复")
    await desk.click("#desk-save")
    await desk.wait_for_selector("#desk-message:has-text('已保存办件')")
    number = re.search(r"HK\d{8}-\d{6}", await desk.inner_text("#desk-message")).group(0)
    found = await api.ok("GET", "/cases", params={"number": number})
    case_id = found["items"][0]["id"]
    records = await api.ok("GET", "/calls", params={"case_id": case_id})
    assert [r["linked_id"] for r in records["items"]] == [linked]
    await api.close()


async def test_a_cut_desk_reconnects_and_shows_the_ringing_call_again(as_pbx_user, pbx_server) -> None:
    server, _, telephony = pbx_server
    base = str(server.make_url("/")).rstrip("/")
    desk = await as_pbx_user("ct")
    await desk.goto(base + "/desk")
    await desk.wait_for_selector("#socket-state:has-text('正常')")
    await telephony.simulator.place_call(caller_number=HAIKOU_MOBILE, caller_name="王五", agent="PJSIP/8001",
                                         answer_after=20.0, talk_seconds=1.0)
    await desk.wait_for_selector("#pop:not([hidden])")
    await desk.evaluate("window.hotlineDesk.raw().close()")
    await desk.evaluate("document.getElementById('pop').hidden = true")
    await desk.wait_for_selector("#socket-state:has-text('正常')", timeout=15000)
    await desk.wait_for_selector("#pop:not([hidden])")
    assert await desk.inner_text("#pop-number") == HAIKOU_MOBILE


async def test_callback_list_click_to_call_records_a_linked_call(as_pbx_user, pbx_server) -> None:
    server, _, telephony = pbx_server
    base = str(server.make_url("/")).rstrip("/")
    sup = await Api(base + "/").login("sup")
    case = await sup.ok("POST", "/cases", {"title": "路灯不亮", "content": "路灯", "case_type": "complaint",
                                           "route": "centre", "caller_phone": HAIKOU_MOBILE}, status=201)
    await sup.ok("POST", f"/cases/{case['id']}/close", {"opinion": "已修复路灯"})
    ct = await as_pbx_user("ct")
    await ct.goto(base + "/lists/callback")
    await ct.click(f"tr[data-case-id='{case['id']}'] button[data-call]")
    await ct.wait_for_selector("#call-message:has-text('正在呼叫')")
    for _ in range(200):
        records = await sup.ok("GET", "/calls", params={"case_id": case["id"]})
        if records["items"]:
            break
        await ct.wait_for_timeout(100)
    assert records["items"][0]["purpose"] == "callback"
    await sup.close()
