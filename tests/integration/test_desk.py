"""The agent desk over a real websocket: the pop reaches the one desk whose phone rings, with context."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tests.integration.test_telephony_app import eventually
from tests.support import Api

HAIKOU_MOBILE = "13907550000"


async def desk_socket(api: Api, server) -> aiohttp.ClientWebSocketResponse:
    return await api.session.ws_connect(str(server.make_url("/ws")))


async def frames(ws: aiohttp.ClientWebSocketResponse, until: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while not seen or seen[-1]["type"] != until:
            seen.append(await ws.receive_json())
    return seen


async def test_pop_context_answer_end_and_case_from_the_call(pbx_server) -> None:
    server, org, telephony = pbx_server
    base = str(server.make_url("/"))
    ct, ct2 = await Api(base).login("ct"), await Api(base).login("ct2")
    earlier = await ct.ok("POST", "/cases", {"title": "上次反映的停水问题", "content": "停水", "case_type": "complaint",
                                             "route": "centre", "caller_phone": HAIKOU_MOBILE}, status=201)
    desk, other = await desk_socket(ct, server), await desk_socket(ct2, server)
    assert (await desk.receive_json())["type"] == "hello" and (await other.receive_json())["type"] == "hello"

    linked = await telephony.simulator.place_call(caller_number=HAIKOU_MOBILE, caller_name="王五", agent="PJSIP/8001",
                                                  answer_after=0.3, talk_seconds=0.3)
    pop = (await frames(desk, "pop"))[-1]
    assert pop["call"]["linked_id"] == linked and pop["call"]["caller_name"] == "王五"
    assert "海口" in pop["call"]["location"]
    context = (await frames(desk, "context"))[-1]["context"]
    assert [c["id"] for c in context["open_cases"]] == [earlier["id"]]
    answered = (await frames(desk, "call"))[-1]["call"]
    assert answered["state"] == "talking" and answered["agent_interface"] == "PJSIP/8001"
    seen = await frames(desk, "ended")
    assert seen[-1]["wrap_up"] is True
    stored = [f for f in seen if f["type"] == "call_stored"] or await frames(desk, "call_stored")
    call_id = stored[-1]["call_id"]

    case = await ct.ok("POST", "/desk/cases", {"title": "再次反映停水", "content": "仍然停水", "case_type": "complaint",
                                               "route": "centre", "caller_phone": HAIKOU_MOBILE, "call_id": call_id},
                       status=201)

    async def linked_to_case() -> bool:
        return (await telephony.calls.get(call_id)).case_id == case["id"]
    await eventually(linked_to_case)
    other_frames = []
    while True:
        try:
            other_frames.append(await asyncio.wait_for(other.receive_json(), 0.3))
        except asyncio.TimeoutError:
            break
    assert not [f for f in other_frames if f["type"] in ("pop", "context", "call")]
    for c in (desk, other):
        await c.close()
    await ct.close()
    await ct2.close()


async def test_a_reconnected_desk_shows_the_ringing_call_again(pbx_server) -> None:
    server, _, telephony = pbx_server
    ct = await Api(str(server.make_url("/"))).login("ct")
    desk = await desk_socket(ct, server)
    await desk.receive_json()
    linked = await telephony.simulator.place_call(caller_number=HAIKOU_MOBILE, caller_name="王五", agent="PJSIP/8001",
                                                  answer_after=5.0, talk_seconds=0.2)
    await frames(desk, "pop")
    await desk.close()
    again = await desk_socket(ct, server)
    hello = await again.receive_json()
    assert hello["type"] == "hello" and [c["linked_id"] for c in hello["calls"]] == [linked]
    await again.close()
    await ct.close()


async def test_board_is_for_supervisors_and_websocket_needs_login(pbx_server) -> None:
    server, _, _ = pbx_server
    sup = await Api(str(server.make_url("/"))).login("sup")
    board = await desk_socket(sup, server)
    await board.receive_json()
    await board.send_json({"type": "subscribe", "topic": "board"})
    snapshot = (await frames(board, "board"))[-1]["board"]
    assert snapshot["queues"][0]["queue"] == "hotline" and snapshot["link"]["up"]
    await board.close()
    await sup.close()
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(str(server.make_url("/ws")), allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"].startswith("/login")


async def test_desks_connected_together_ping_at_different_moments(pbx_server) -> None:
    """Each desk's heartbeat period is its own, in [20, 40) s: desks that connected together (after a
    restart) do not all get a ping in the same tick, ahead of the pops of a burst of rings."""
    from web.handlers.desk import HEARTBEAT, HEARTBEAT_SPREAD
    from web.keys import DESK
    server, org, telephony = pbx_server
    apis = [await Api(str(server.make_url("/"))).login(u) for u in ("ct", "ct2", "sup")]
    sockets = [await desk_socket(api, server) for api in apis for _ in range(4)]
    try:
        async def all_connected() -> bool:
            return len(server.app[DESK].hub.clients) == len(sockets)
        await eventually(all_connected)
        periods = [c.ws._heartbeat for c in server.app[DESK].hub.clients]  # aiohttp keeps no public getter
        assert all(HEARTBEAT <= p < HEARTBEAT + HEARTBEAT_SPREAD for p in periods)
        assert len(set(periods)) == len(periods)
    finally:
        for ws in sockets:
            await ws.close()
        for api in apis:
            await api.close()
