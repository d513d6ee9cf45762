"""The app with the built-in PBX simulator: calls become records, agents act through the PBX."""
from __future__ import annotations

import asyncio

from tests.support import Api


async def eventually(check, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_health_shows_the_pbx_link(pbx_server) -> None:
    server, _, _ = pbx_server
    api = Api(str(server.make_url("/")))
    status, body = await api.call("GET", str(server.make_url("/healthz")))
    await api.close()
    assert status == 200 and body["pbx"]["up"] is True and body["pbx"]["simulated"] is True


async def test_inbound_calls_become_records_with_their_outcome(pbx_server) -> None:
    server, _, telephony = pbx_server
    sim = telephony.simulator
    answered = await sim.place_call(caller_number="13800138000", caller_name="王五", answer_after=0.2,
                                    talk_seconds=0.3)
    abandoned = await sim.abandon_call(caller_number="13900139000", caller_name="赵六", wait_seconds=0.2)
    await sim.wait_call(answered, 10)
    await sim.wait_call(abandoned, 10)

    async def both_final() -> bool:
        page = await telephony.calls.list()
        return sum(1 for r in page.items if r.ended_at is not None) == 2
    await eventually(both_final)
    records = {r.caller_number: r for r in (await telephony.calls.list()).items}
    assert records["13800138000"].caller_name == "王五" and records["13800138000"].answered
    assert records["13900139000"].disposition.value == "abandoned"
    assert telephony.model.memory()["calls"] == 0


async def test_status_and_actions_over_http(pbx_server) -> None:
    server, org, telephony = pbx_server
    sup = await Api(str(server.make_url("/"))).login("sup")
    status = await sup.ok("GET", "/telephony/status")
    assert status["link"]["up"] and len(status["agents"]) >= 1
    status, body = await sup.call("POST", "/telephony/spy", {"channel": "", "mode": "listen"})
    assert status == 400
    await sup.close()


async def test_click_to_call_links_the_call_record_to_the_case(pbx_server) -> None:
    server, org, telephony = pbx_server
    ct = await Api(str(server.make_url("/"))).login("ct")
    case = await ct.ok("POST", "/cases", {"title": "回访测试", "content": "回访", "case_type": "consultation",
                                          "route": "centre", "caller_phone": "13800138000"}, status=201)
    started = await ct.ok("POST", "/telephony/call", {"number": "13800138000", "case_id": case["id"]}, status=202)
    assert started["action_id"]

    async def linked() -> bool:
        page = await telephony.calls.list()
        return any(r.case_id == case["id"] and r.purpose.value == "callback" for r in page.items)
    await eventually(linked, 15)
    status, body = await ct.call("POST", "/telephony/call", {"number": "12ab"})
    assert status == 400 and "number" in body["error"]["fields"]
    await ct.close()


async def test_pages_show_the_pbx_link_state(pbx_server) -> None:
    server, _, telephony = pbx_server
    sup = await Api(str(server.make_url("/"))).login("sup")
    status, page = await sup.call("GET", str(server.make_url("/lists/dispatch")))
    assert status == 200 and "PBX 已连接" in page.decode()
    await telephony.simulator.stop()
    assert await _down(telephony)
    status, page = await sup.call("GET", str(server.make_url("/lists/dispatch")))
    assert "PBX 未连接" in page.decode()
    await sup.close()


async def _down(telephony) -> bool:
    for _ in range(100):
        if not telephony.link.state.up:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_drop_mid_call_loses_and_duplicates_no_call(pbx_server) -> None:
    server, _, telephony = pbx_server
    sim = telephony.simulator
    linked = await sim.place_call(caller_number="13700137000", caller_name="钱七", answer_after=0.2, talk_seconds=2.0)

    async def talking() -> bool:
        call = telephony.model.call(linked)
        return call is not None and call.state == "talking"
    await eventually(talking)
    sim.drop_connections()
    assert await telephony.link.wait_up(10)

    async def same_as_pbx() -> bool:
        return {c.linked_id for c in telephony.model.calls()} == {ch.linkedid for ch in sim.channels()}
    await eventually(same_as_pbx)
    await sim.wait_call(linked, 15)

    async def final() -> bool:
        page = await telephony.calls.list()
        return any(r.linked_id == linked and r.ended_at is not None for r in page.items)
    await eventually(final, 10)
    page = await telephony.calls.list()
    assert [r.linked_id for r in page.items].count(linked) == 1
    assert telephony.model.memory()["calls"] == 0


async def test_simulated_calls_leave_a_wav_and_a_legacy_wma_recording(pbx_server) -> None:
    server, _, telephony = pbx_server
    linked = await telephony.simulator.place_call(caller_number="13800138000", caller_name="王五", answer_after=0.1,
                                                  talk_seconds=0.5)
    await telephony.simulator.wait_call(linked, 10)
    from web.keys import SETTINGS
    folder = server.app[SETTINGS].storage.recordings_dir

    async def written() -> bool:
        return any(folder.glob("wma/13800138000_*.wma")) and any(folder.glob("pbx/**/*.wav"))
    await eventually(written, 20)
    wma = next(folder.glob("wma/13800138000_*.wma"))
    assert wma.read_bytes()[:4] == bytes.fromhex("3026b275")  # the ASF header every WMA file starts with
    assert "13800138000" in (folder / "wma" / "index.csv").read_text("utf-8")
