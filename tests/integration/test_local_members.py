"""Local-channel queue members and Local callers against SIP ones, end to end: the simulator over
real TCP, the app on loopback, real SQLite, a desk over a websocket. Each call is placed once on a PBX
whose members are `PJSIP/8001…` with trunk callers and once on one whose members are
`Local/8001@agents/n` (FreePBX, Issabel) with callers entering through `Local/12345@from-citizen`:
call records, agent states and the desk pop must come out the same."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest

from telephony.calls.records import agent_extension
from telephony.calls.views import AgentChanged
from telephony.simulator import PbxSimulator, SimulatorConfig, default_agents, local_agents
from tests.integration.test_desk import desk_socket
from tests.integration.test_telephony_app import eventually
from tests.support import Api, seed_org
from web.app import create_app
from web.keys import TELEPHONY

Summary = dict[str, Any]
Scenario = Callable[[PbxSimulator, str], Awaitable[str]]


class Hotline:
    """A simulated PBX of one member kind, and the app connected to it as to a real Asterisk."""

    def __init__(self, sim: PbxSimulator, server: Any, local: bool) -> None:
        self.sim, self.server, self.local = sim, server, local
        self.telephony = server.app[TELEPHONY]

    def member(self, ext: str) -> str:
        return f"Local/{ext}@agents/n" if self.local else f"PJSIP/{ext}"


@pytest.fixture
async def hotlines(aiohttp_server, settings, clock) -> AsyncIterator[Callable[[bool], Awaitable[Hotline]]]:
    made: list[Hotline] = []

    async def make(local: bool) -> Hotline:
        agents = local_agents(3) if local else default_agents(3)
        sim = PbxSimulator(SimulatorConfig(speed=20.0, agents=agents, ring_timeout=4.0, retry=1.0,
                                           recordings_dir=settings.storage.data_dir / f"sim-{local}"))
        await sim.start("127.0.0.1", 0)
        pbx = replace(settings.pbx, enabled=True, simulate=False, host="127.0.0.1", port=sim.port,
                      ping_interval=1.0, member_interface="Local/{ext}@agents/n" if local else "")
        own = replace(settings, pbx=pbx).with_overrides(data_dir=settings.storage.data_dir / f"app-{local}")
        app = create_app(own, clock=clock)
        server = await aiohttp_server(app)
        await seed_org(app)
        assert await app[TELEPHONY].link.wait_up(5)
        hotline = Hotline(sim, server, local)
        made.append(hotline)

        async def members_known() -> bool:
            return hotline.telephony.model.agent_at("8001") is not None
        await eventually(members_known)
        return hotline

    yield make
    for hotline in made:  # the app lets go of the PBX first, so it does not try to reconnect
        await hotline.telephony.link.close()
        await hotline.sim.stop()


async def run_call(hotline: Hotline, scenario: Scenario) -> Summary:
    """Place one call with a desk open at 8001 (王话务); what the records, agents and desk show after it."""
    t, sim = hotline.telephony, hotline.sim
    ct = await Api(str(hotline.server.make_url("/"))).login("ct")
    desk = await desk_socket(ct, hotline.server)
    assert (await desk.receive_json())["type"] == "hello"
    changes = t.bus.subscribe(name="test-agents")
    linked = await scenario(sim, hotline.member("8001"))
    await sim.wait_call(linked, 20)

    async def stored() -> bool:
        page = await t.calls.list()
        return page.total > 0 and all(r.ended_at is not None for r in page.items)
    await eventually(stored, 10)
    frames = await desk_frames(desk)
    states = agent_states(changes, "8001")
    changes.close()
    await desk.close()
    await ct.close()
    page = await t.calls.list()
    agent = t.model.agent_at("8001")
    assert agent is not None
    return {
        "records": [(r.direction.value, r.caller_number, r.queue, r.answered, r.disposition.value,
                     r.hangup_side.value, agent_extension(r.agent_interface), r.agent_name,
                     r.agent_user_id is not None, bool(r.recording)) for r in page.items],
        "linked": [r.linked_id == linked for r in page.items],
        "level": (t.model.service_level().answered, t.model.service_level().abandoned),
        "agent": (agent.state.value, agent.paused, agent.pause_reason, agent.calls_today), "states": states,
        "desk": (frames[:1], sorted(set(frames))), "live": t.model.memory()["calls"]}  # frames race the writer


def agent_states(changes: Any, ext: str) -> list[str]:
    """The states the model published for the agent at `ext`, each change once."""
    states: list[str] = []
    while changes.pending:
        item = changes.get_nowait()
        if isinstance(item, AgentChanged) and agent_extension(item.agent.interface) == ext:
            if not states or states[-1] != item.agent.state.value:
                states.append(item.agent.state.value)
    return states


async def desk_frames(desk: Any) -> list[tuple[str, ...]]:
    """The desk's pop-relevant frames until it has been quiet for a while, without ids and times."""
    seen: list[tuple[str, ...]] = []
    while True:
        try:
            frame = await asyncio.wait_for(desk.receive_json(), 1.0)
        except asyncio.TimeoutError:
            return seen
        call = frame.get("call") or {}
        if frame["type"] == "pop":
            seen.append(("pop", call.get("caller_number", "")))
        elif frame["type"] == "call" and call.get("state") == "talking":
            seen.append(("talking", agent_extension(call.get("agent_interface", "")), call.get("agent_name", "")))
        elif frame["type"] in ("ended", "call_stored") and (not seen or seen[-1][0] != frame["type"]):
            seen.append((frame["type"],))


async def answered(sim: PbxSimulator, member: str) -> str:
    return await sim.place_call("13800138000", "王五", agent=member, answer_after=0.5, talk_seconds=1.0,
                                via_local=member.startswith("Local/"))


async def abandoned(sim: PbxSimulator, member: str) -> str:
    return await sim.place_call("13900139000", "赵六", agent=member, answer_after=None, abandon_after=2.0,
                                via_local=member.startswith("Local/"))


async def ring_no_answer(sim: PbxSimulator, member: str) -> str:
    return await sim.place_call("13700137000", "", agent=member, answer_after=0.5, talk_seconds=1.0,
                                ring_no_answer=1, via_local=member.startswith("Local/"))


async def blind_transfer(sim: PbxSimulator, member: str) -> str:
    return await sim.place_call("13600136000", "孙七", agent=member, answer_after=0.5, talk_seconds=1.0,
                                transfer="blind", transfer_to="8002", via_local=member.startswith("Local/"))


async def attended_transfer(sim: PbxSimulator, member: str) -> str:
    return await sim.place_call("13500135000", "周八", agent=member, answer_after=0.5, talk_seconds=1.0,
                                transfer="attended", transfer_to="8002", hangup_by="agent",
                                via_local=member.startswith("Local/"))


@pytest.mark.parametrize("scenario", [answered, abandoned, ring_no_answer, blind_transfer, attended_transfer],
                         ids=lambda s: s.__name__)
async def test_local_members_and_callers_look_like_sip_ones(hotlines, scenario: Scenario) -> None:
    sip = await run_call(await hotlines(False), scenario)
    local = await run_call(await hotlines(True), scenario)
    assert local == sip
    assert sip["linked"] == [True] and sip["live"] == 0  # one record, nothing left live
    (record,) = sip["records"]
    assert record[0] == "inbound"  # a Local caller is never an outbound call
    if scenario is abandoned:
        assert (record[3], record[4], sip["level"]) == (False, "abandoned", (0, 1))
        assert sip["desk"] == ([("pop", "13900139000")], [("ended",), ("pop", "13900139000")])
        return
    assert (record[3], record[6], record[7], record[8], sip["level"]) == (True, "8001", "话务员8001", True, (1, 0))
    assert sip["agent"][:3] == ("paused", True, "话后整理")  # wrap-up pause after the call, also via Local/…
    assert sip["desk"] == ([("pop", record[1])], sorted({("pop", record[1]), ("talking", "8001", "话务员8001"),
                                                         ("call_stored",), ("ended",)}))
    assert sip["states"][-2:] == ["wrap_up", "paused"]


@pytest.mark.parametrize("local", [False, True], ids=["sip", "local"])
async def test_a_reconnected_desk_shows_its_call_and_agent(hotlines, local: bool) -> None:
    """The desk's hello finds the agent and the call by extension, whatever the member interface."""
    hotline = await hotlines(local)
    ct = await Api(str(hotline.server.make_url("/"))).login("ct")
    desk = await desk_socket(ct, hotline.server)
    await desk.receive_json()
    linked = await hotline.sim.place_call("13800138000", "王五", agent=hotline.member("8001"), answer_after=0.5,
                                          talk_seconds=60.0, via_local=local)
    while (frame := await asyncio.wait_for(desk.receive_json(), 5))["type"] != "call" or \
            frame["call"]["state"] != "talking":
        pass
    await desk.close()
    again = await desk_socket(ct, hotline.server)
    hello = await again.receive_json()
    assert [c["linked_id"] for c in hello["calls"]] == [linked]
    assert hello["agent"]["state"] == "on_call" and agent_extension(hello["agent"]["interface"]) == "8001"
    await again.close()
    await ct.close()
