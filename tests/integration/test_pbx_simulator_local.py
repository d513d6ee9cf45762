"""The simulator's Local-channel members and callers, transfers, CEL and CDR, read over real TCP: the
events and fields a real Asterisk 20 writes for `Local/8001@agents/n` members (FreePBX, Issabel) and
for test callers originated as `Local/12345@from-citizen`."""
from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from telephony.simulator import PbxSimulator, SimulatorConfig, local_agents
from tests.integration.test_pbx_simulator import Ami, names

SPEED = 50.0
Events = list[tuple[str, dict[str, str]]]


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[PbxSimulator]:
    s = PbxSimulator(SimulatorConfig(speed=SPEED, agents=local_agents(3), recordings_dir=tmp_path / "rec",
                                     cel=True, cdr=True))
    await s.start("127.0.0.1", 0)
    yield s
    await s.stop()


def log(sim: PbxSimulator) -> Events:
    """Every event since the start, fields as a dict (first value of a key wins)."""
    out = []
    for event, body in sim.bus.log:
        fields: dict[str, str] = {}
        for key, value in body:
            fields.setdefault(key, value)
        out.append((event, fields))
    return out


def first(events: Events, name: str, **match: str) -> dict[str, str]:
    return next(f for e, f in events if e == name and all(f.get(k) == v for k, v in match.items()))


async def test_a_local_member_is_a_pair_whose_second_half_dials_the_phone(sim: PbxSimulator) -> None:
    linked = await sim.place_call(agent="Local/8001@agents/n", answer_after=0.5, talk_seconds=0.5)
    await sim.wait_call(linked, 5)
    events = log(sim)
    called = first(events, "AgentCalled")
    one = called["DestChannel"]
    assert one.startswith("Local/8001@agents-") and one.endswith(";1")
    assert (called["Interface"], called["MemberName"]) == ("Local/8001@agents/n", "话务员8001")
    two = one[:-1] + "2"
    bridge = first(events, "LocalBridge")
    assert (bridge["LocalOneChannel"], bridge["LocalTwoChannel"], bridge["Context"], bridge["Exten"],
            bridge["LocalOptimization"]) == (one, two, "agents", "8001", "No")
    assert {first(events, "Newchannel", Channel=c)["Linkedid"] for c in (one, two)} == {linked}
    dial = first(events, "DialBegin", Channel=two)
    phone = dial["DestChannel"]
    assert phone.startswith("PJSIP/8001-") and dial["DialString"] == "8001"
    connect = first(events, "AgentConnect")
    assert (connect["DestChannel"], connect["Interface"]) == (one, "Local/8001@agents/n")
    order = names(events)
    assert order.index("LocalBridge") < order.index("AgentConnect")
    assert first(events, "DialEnd", Channel=two)["DialStatus"] == "ANSWER"
    assert {f["Channel"] for e, f in events if e == "Hangup"} >= {one, two, phone}
    assert sim.channels() == []
    status = [f for e, f in log(sim) if e == "QueueMemberStatus" and f["Interface"] == "Local/8001@agents/n"]
    assert [f["Status"] for f in status][:3] == ["6", "2", "1"]  # follows the phone: StateInterface PJSIP/8001
    assert {f["StateInterface"] for f in status} == {"PJSIP/8001"}


async def test_a_local_caller_is_originated_and_every_session_hears_it(sim: PbxSimulator) -> None:
    ami = await Ami.connect(sim.port)
    await ami.login()
    linked = await sim.place_call(via_local=True, agent="Local/8002@agents/n", answer_after=0.5, talk_seconds=0.5)
    response = await ami.until(lambda f: f.get("Event") == "OriginateResponse")
    one = response["Channel"]
    assert one.startswith("Local/12345@from-citizen-") and one.endswith(";1")
    assert (response["Response"], response["Exten"], response["Uniqueid"]) == ("Success", "s", linked)
    join = await ami.until(lambda f: f.get("Event") == "QueueCallerJoin")
    assert (join["Channel"], join["Linkedid"], join["CallerIDNum"]) == (one[:-1] + "2", linked, "13800138000")
    await sim.wait_call(linked, 5)
    ami.close()
    assert sim.channels() == []


@pytest.mark.parametrize("member", ["PJSIP/8001", "Local/8001@agents/n"])
async def test_blind_transfer(tmp_path: Path, member: str) -> None:
    sim = PbxSimulator(SimulatorConfig(speed=SPEED, agents=local_agents(3) if member.startswith("Local")
                                       else SimulatorConfig().agents[:3]))
    await sim.start("127.0.0.1", 0)
    try:
        linked = await sim.place_call(agent=member, answer_after=0.5, talk_seconds=0.5, transfer="blind")
        await sim.wait_call(linked, 5)
        events = log(sim)
        moved = first(events, "BlindTransfer")
        transferee = first(events, "AgentConnect")["DestChannel"][:-1] + "2" if "Local" in member else \
            first(events, "QueueCallerJoin")["Channel"]
        assert moved["TransfererChannel"].startswith("PJSIP/8001-") and moved["TransfereeChannel"] == transferee
        assert (moved["Result"], moved["Extension"], moved["IsExternal"]) == ("Success", "8002", "Yes")
        target = first(events, "DialBegin", Channel=transferee, DialString="8002")["DestChannel"]
        assert target.startswith("PJSIP/8002-")
        reasons = [f["Reason"] for e, f in events if e == "AgentComplete"]
        assert reasons == (["caller"] if "Local" in member else ["transfer"])  # app_queue sees only a SIP member's
        assert sim.channels() == []
    finally:
        await sim.stop()


async def test_attended_transfer_moves_the_target_into_the_citizens_call(sim: PbxSimulator) -> None:
    linked = await sim.place_call(agent="Local/8001@agents/n", answer_after=0.5, talk_seconds=0.5,
                                  transfer="attended", hangup_by="agent")
    await sim.wait_call(linked, 5)
    events = log(sim)
    moved = first(events, "AttendedTransfer")
    assert (moved["Result"], moved["DestType"], moved["IsExternal"]) == ("Success", "Bridge", "No")
    assert moved["OrigTransfererLinkedid"] == linked and moved["SecondTransfererLinkedid"] != linked
    assert moved["DestBridgeUniqueid"] == moved["OrigBridgeUniqueid"]
    target = moved["TransferTargetChannel"]
    assert target.startswith("PJSIP/8002-") and moved["TransferTargetLinkedid"] != linked
    assert first(events, "HangupRequest", Channel=target)["Linkedid"] == linked  # the older call's Linkedid
    assert sim.channels() == []


async def test_cel_and_cdr(sim: PbxSimulator) -> None:
    linked = await sim.place_call(via_local=True, agent="Local/8001@agents/n", answer_after=0.5, talk_seconds=0.5)
    await sim.wait_call(linked, 5)
    events = log(sim)
    cel = [f for e, f in events if e == "CEL" and f["LinkedID"] == linked]
    started = {f["Channel"] for f in cel if f["EventName"] == "CHAN_START"}
    ended = {f["Channel"] for f in cel if f["EventName"] == "CHAN_END"}
    assert len(started) == 5 and started == ended  # two Local pairs and the phone
    assert [f["EventName"] for f in cel].count("LINKEDID_END") == 1 and cel[-1]["EventName"] == "LINKEDID_END"
    assert {"ANSWER", "BRIDGE_ENTER", "BRIDGE_EXIT", "HANGUP"} <= {f["EventName"] for f in cel}
    (cdr,) = [f for e, f in events if e == "Cdr"]
    assert (cdr["Disposition"], cdr["Source"], cdr["Destination"], cdr["LastApplication"]) == (
        "ANSWERED", "13800138000", "12345", "Queue")
    assert cdr["Channel"].endswith(";2") and cdr["DestinationChannel"].startswith("Local/8001@agents-")
    assert int(cdr["Duration"]) >= int(cdr["BillableSeconds"]) >= 0
