"""The PBX simulator over real TCP on loopback, read by a raw asyncio stream client (not panoramisk)."""
from __future__ import annotations

import asyncio
import hashlib
import time
import wave
from pathlib import Path
from typing import AsyncIterator, Callable

import pytest

from telephony.simulator import PbxSimulator, SimulatorConfig, TrafficProfile, run_simulator
from telephony.simulator.runner import parse_args

Msg = list[tuple[str, str]]
SPEED = 50.0


def d(msg: Msg) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in msg:
        out.setdefault(key, value)
    return out


class Ami:
    """A bare AMI client: frames are `Key: Value\\r\\n` lines ended by an empty line."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.raw = bytearray()
        self.events: list[Msg] = []
        self._ids = 0

    @classmethod
    async def connect(cls, port: int) -> "Ami":
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        return cls(reader, writer)

    async def banner(self, timeout: float = 2.0) -> bytes:
        return await asyncio.wait_for(self.reader.readline(), timeout)

    async def read(self, timeout: float = 2.0) -> Msg:
        async def one() -> Msg:
            fields: Msg = []
            while True:
                line = await self.reader.readuntil(b"\r\n")
                self.raw += line
                if line == b"\r\n":
                    return fields
                key, _, value = line[:-2].decode("utf-8").partition(": ")
                fields.append((key, value))
        return await asyncio.wait_for(one(), timeout)

    def send(self, action: str, **headers: str) -> str:
        self._ids += 1
        action_id = headers.pop("ActionID", f"t-{self._ids}")
        lines = [f"Action: {action}", f"ActionID: {action_id}"] + [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        return action_id

    async def response(self, action_id: str, timeout: float = 2.0) -> Msg:
        """The response to `action_id`; events read meanwhile are kept in self.events."""
        while True:
            msg = await self.read(timeout)
            fields = d(msg)
            if "Response" in fields and "Event" not in fields and fields.get("ActionID") == action_id:
                return msg
            self.events.append(msg)

    async def action(self, action: str, **headers: str) -> dict[str, str]:
        return d(await self.response(self.send(action, **headers)))

    async def login(self, secret: str = "hotline", **extra: str) -> dict[str, str]:
        await self.banner()
        return await self.action("Login", Username="hotline", Secret=secret, **extra)

    async def until(self, pred: Callable[[dict[str, str]], bool], timeout: float = 3.0) -> dict[str, str]:
        for msg in self.events:
            if pred(d(msg)):
                return d(msg)
        deadline = time.monotonic() + timeout
        while True:
            msg = await self.read(max(0.01, deadline - time.monotonic()))
            self.events.append(msg)
            if pred(d(msg)):
                return d(msg)

    async def drain(self, quiet: float = 0.15) -> list[Msg]:
        got = []
        while True:
            try:
                got.append(await self.read(quiet))
            except asyncio.TimeoutError:
                self.events += got
                return got

    async def eof(self, timeout: float = 3.0) -> bool:
        try:
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
        except ConnectionResetError:
            return True
        self.raw += data
        return data == b"" or await self.eof(timeout)

    def close(self) -> None:
        self.writer.close()


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[PbxSimulator]:
    s = PbxSimulator(SimulatorConfig(speed=SPEED, recordings_dir=tmp_path / "rec", originate_talk_seconds=5.0))
    await s.start("127.0.0.1", 0)
    yield s
    await s.stop()


@pytest.fixture
async def ami(sim: PbxSimulator) -> AsyncIterator[Ami]:
    client = await Ami.connect(sim.port)
    assert (await client.login())["Response"] == "Success"
    yield client
    client.close()


def names(events: list[tuple[str, dict[str, str]]]) -> list[str]:
    return [name for name, _ in events]


# -- the manager protocol -----------------------------------------------------------------------------
async def test_banner_is_asterisk_20(sim: PbxSimulator) -> None:
    client = await Ami.connect(sim.port)
    assert await client.banner() == b"Asterisk Call Manager/9.0.0\r\n"
    client.close()


async def test_actions_before_login_are_denied(sim: PbxSimulator) -> None:
    client = await Ami.connect(sim.port)
    await client.banner()
    for action in ("Ping", "CoreShowChannels", "Originate"):
        resp = await client.action(action)
        assert (resp["Response"], resp["Message"]) == ("Error", "Permission denied")
    client.close()


async def test_plain_login_is_accepted_and_followed_by_fully_booted(sim: PbxSimulator) -> None:
    client = await Ami.connect(sim.port)
    resp = await client.login()
    assert (resp["Response"], resp["Message"]) == ("Success", "Authentication accepted")
    booted = d(await client.read())
    assert (booted["Event"], booted["Privilege"], booted["Status"]) == ("FullyBooted", "system,all", "Fully Booted")
    client.close()


async def test_md5_challenge_login(sim: PbxSimulator) -> None:
    client = await Ami.connect(sim.port)
    await client.banner()
    resp = await client.action("Challenge", AuthType="MD5")
    assert resp["Response"] == "Success" and resp["Challenge"].isdigit()
    key = hashlib.md5((resp["Challenge"] + "hotline").encode()).hexdigest()
    login = await client.action("Login", AuthType="MD5", Username="hotline", Key=key)
    assert login["Message"] == "Authentication accepted"
    assert (await client.action("Ping"))["Ping"] == "Pong"
    client.close()


async def test_failed_login_answers_then_closes_after_a_second(sim: PbxSimulator) -> None:
    client = await Ami.connect(sim.port)
    started = time.monotonic()
    resp = await client.login(secret="wrong")
    assert (resp["Response"], resp["Message"]) == ("Error", "Authentication failed")
    assert await client.eof()
    assert 0.9 <= time.monotonic() - started < 2.5
    client.close()


async def test_ping_unknown_action_and_action_id_echo(ami: Ami) -> None:
    ping = await ami.response(ami.send("Ping", ActionID="abc-1"))
    assert ping[:3] == [("Response", "Success"), ("ActionID", "abc-1"), ("Ping", "Pong")]
    assert float(d(ping)["Timestamp"]) > 1e9
    bad = await ami.action("NoSuchThing", ActionID="abc-2")
    assert (bad["Response"], bad["ActionID"]) == ("Error", "abc-2")
    assert bad["Message"].startswith("Invalid/unknown command")
    ids = [ami.send("Ping", ActionID=f"many-{i}") for i in range(5)]
    assert [d(await ami.response(i))["ActionID"] for i in ids] == ids


async def test_logoff_says_goodbye_and_closes(ami: Ami) -> None:
    resp = await ami.action("Logoff")
    assert (resp["Response"], resp["Message"]) == ("Goodbye", "Thanks for all the fish.")
    assert await ami.eof()


async def test_events_off_stops_events_and_on_restores_them(sim: PbxSimulator, ami: Ami) -> None:
    resp = await ami.action("Events", EventMask="off")
    assert (resp["Response"], resp["Events"]) == ("Success", "Off")
    await ami.drain()
    linked = await sim.place_call(talk_seconds=1)
    await sim.wait_call(linked, 5)
    assert await ami.drain() == []
    assert (await ami.action("Ping"))["Ping"] == "Pong"
    assert (await ami.action("Events", EventMask="on"))["Events"] == "On"
    await sim.place_call(talk_seconds=1)
    assert (await ami.until(lambda e: e.get("Event") == "Newchannel"))["Privilege"] == "call,all"


async def test_event_lists_have_start_items_and_complete(sim: PbxSimulator, ami: Ami) -> None:
    await sim.place_call(talk_seconds=60, agent="PJSIP/8001")
    await ami.until(lambda e: e.get("Event") == "AgentConnect")
    await sim.place_call("13900000001", "赵六", agent="PJSIP/8001")  # waits: its only member is busy
    await ami.until(lambda e: e.get("Event") == "QueueCallerJoin" and e["CallerIDNum"] == "13900000001")
    lists: dict[str, list[dict[str, str]]] = {}
    for action, complete, message in [
            ("CoreShowChannels", "CoreShowChannelsComplete", "Channels will follow"),
            ("QueueStatus", "QueueStatusComplete", "Queue status will follow"),
            ("QueueSummary", "QueueSummaryComplete", "Queue summary will follow")]:
        action_id = ami.send(action)
        resp = d(await ami.response(action_id))
        assert (resp["Response"], resp["EventList"], resp["Message"]) == ("Success", "start", message)
        items = lists[action] = []
        while True:
            msg = d(await ami.read())
            if msg.get("ActionID") != action_id:
                continue
            if msg["Event"] == complete:
                break
            items.append(msg)
        assert (msg["EventList"], int(msg["ListItems"])) == ("Complete", len(items))
    assert {i["Event"] for i in lists["CoreShowChannels"]} == {"CoreShowChannel"}
    assert len(lists["CoreShowChannels"]) == 3  # caller + agent, the waiting caller
    kinds = [m["Event"] for m in lists["QueueStatus"]]
    assert kinds.count("QueueParams") == 1 and kinds.count("QueueMember") == 6 and kinds.count("QueueEntry") == 1
    entry = next(m for m in lists["QueueStatus"] if m["Event"] == "QueueEntry")
    assert (entry["CallerIDName"], entry["Position"]) == ("赵六", "1")
    summary = lists["QueueSummary"][0]
    assert (summary["Queue"], summary["LoggedIn"], summary["Callers"]) == ("hotline", "6", "1")


async def test_core_show_channels_matches_the_simulators_own_state(sim: PbxSimulator, ami: Ami) -> None:
    linked = await sim.burst(3, talk_seconds=60)
    for _ in linked:
        await ami.until(lambda e: e.get("Event") == "AgentConnect" and e["Linkedid"] in linked)
        ami.events = [m for m in ami.events if d(m).get("Event") != "AgentConnect"]
    busy = next(m.interface for m in sim.members() if m.in_call)
    await sim.place_call("13900000009", agent=busy)  # waits in the queue: its only member is busy
    await ami.until(lambda e: e.get("Event") == "QueueCallerJoin" and e["CallerIDNum"] == "13900000009")
    action_id = ami.send("CoreShowChannels")
    await ami.response(action_id)
    listed = set()
    while True:
        msg = d(await ami.read())
        if msg.get("Event") == "CoreShowChannelsComplete":
            break
        if msg.get("Event") == "CoreShowChannel":
            listed.add((msg["Channel"], msg["Uniqueid"], msg["Linkedid"], msg["ChannelStateDesc"]))
    own = {(c.name, c.uniqueid, c.linkedid, c.state_desc) for c in sim.channels()}
    assert listed == own and len(own) == 3 * 2 + 1  # three answered calls, one waiting caller


# -- call scenarios -----------------------------------------------------------------------------------
async def test_answered_call_events_in_asterisk_order(sim: PbxSimulator, ami: Ami) -> None:
    linked = await sim.place_call(caller_number="13800138000", caller_name="王五", answer_after=2, talk_seconds=5)
    await sim.wait_call(linked, 5)
    await ami.drain()
    mine = [d(m) for m in ami.events if d(m).get("Linkedid") == linked]
    seq = [m["Event"] for m in mine]
    key = ["Newchannel", "QueueCallerJoin", "AgentCalled", "DialBegin", "DialEnd", "QueueCallerLeave",
           "AgentConnect", "BridgeEnter", "HangupRequest", "AgentComplete", "BridgeLeave", "Hangup"]
    positions = [seq.index(name) for name in key]
    assert positions == sorted(positions)
    assert seq.index("QueueCallerLeave") < seq.index("AgentConnect")
    assert seq.count("Hangup") == 2 and seq[-1] == "Hangup"
    assert 150 <= len(seq) <= 230
    assert seq.count("VarSet") / len(seq) > 0.5
    join = mine[seq.index("QueueCallerJoin")]
    assert (join["Queue"], join["Position"], join["Count"], join["CallerIDName"]) == ("hotline", "1", "1", "王五")
    connect = mine[seq.index("AgentConnect")]
    assert connect["DestChannel"].startswith("PJSIP/8001-") and connect["Interface"] == "PJSIP/8001"
    assert connect["MemberName"] == "话务员8001" and connect["DestLinkedid"] == linked
    complete = mine[seq.index("AgentComplete")]
    assert (complete["Reason"], complete["TalkTime"]) == ("caller", "5")
    assert any(m["Event"] == "VarSet" and m["Variable"] == "MIXMONITOR_FILENAME"
               and m["Value"].endswith(".wav") for m in mine[:seq.index("AgentConnect")])
    hangups = [m for m in mine if m["Event"] == "Hangup"]
    assert {h["Cause-txt"] for h in hangups} == {"Normal Clearing"}
    assert len({h["Uniqueid"] for h in hangups}) == 2
    assert mine[seq.index("HangupRequest")]["Channel"].startswith("PJSIP/trunk-")


async def test_agent_hangs_up(sim: PbxSimulator) -> None:
    linked = await sim.place_call(hangup_by="agent", talk_seconds=3)
    await sim.wait_call(linked, 5)
    events = sim.events_for(linked)
    request = next(f for n, f in events if n == "HangupRequest")
    complete = next(f for n, f in events if n == "AgentComplete")
    assert request["Channel"].startswith("PJSIP/8001-") and complete["Reason"] == "agent"


async def test_abandoned_call_yields_queue_caller_abandon(sim: PbxSimulator) -> None:
    linked = await sim.abandon_call("13900139000", "钱七", wait_seconds=4)
    await sim.wait_call(linked, 5)
    events = sim.events_for(linked)
    seq = names(events)
    assert "AgentConnect" not in seq and "AgentComplete" not in seq
    abandon = dict(events)["QueueCallerAbandon"]
    assert (abandon["Position"], abandon["OriginalPosition"], abandon["Queue"]) == ("1", "1", "hotline")
    assert 3 <= int(abandon["HoldTime"]) <= 5
    assert seq.index("HangupRequest") < seq.index("QueueCallerAbandon") < seq.index("QueueCallerLeave")
    assert any(n == "DialEnd" and f["DialStatus"] == "CANCEL" for n, f in events)
    assert sim.queue_entries() == [] and sim.channels() == []


async def test_queue_timeout_is_an_abandon_too(sim: PbxSimulator) -> None:
    linked = await sim.timeout_call(queue_timeout=8)
    await sim.wait_call(linked, 5)
    events = sim.events_for(linked)
    seq = names(events)
    assert "QueueCallerAbandon" in seq and "HangupRequest" not in seq
    assert any(n == "VarSet" and f["Variable"] == "QUEUESTATUS" and f["Value"] == "TIMEOUT" for n, f in events)


async def test_ring_no_answer_time_is_ms_while_agent_connect_is_seconds(sim: PbxSimulator) -> None:
    linked = await sim.ring_no_answer_call(misses=1, answer_after=2, talk_seconds=2)
    await sim.wait_call(linked, 5)
    events = sim.events_for(linked)
    rna = dict(events)["AgentRingNoAnswer"]
    connect = dict(events)["AgentConnect"]
    assert 14_000 <= int(rna["RingTime"]) <= 18_000            # ring_timeout 15 s, in milliseconds
    assert int(connect["RingTime"]) in (1, 2, 3)               # seconds
    assert 20 <= int(connect["HoldTime"]) <= 27                 # 15 s ringing + 5 s retry + 2 s
    assert rna["Interface"] != connect["Interface"]            # round-robin moved on


async def test_caller_name_is_sent_as_utf8(sim: PbxSimulator, ami: Ami) -> None:
    linked = await sim.place_call(caller_name="王五", talk_seconds=1)
    await sim.wait_call(linked, 5)
    await ami.drain()
    assert "CallerIDName: 王五\r\n".encode("utf-8") in bytes(ami.raw)


async def test_system_name_prefixes_ids_and_tags_every_event(tmp_path: Path) -> None:
    s = PbxSimulator(SimulatorConfig(speed=SPEED, system_name="pbx1"))
    await s.start("127.0.0.1", 0)
    client = await Ami.connect(s.port)
    await client.login()
    linked = await s.place_call(talk_seconds=1)
    await s.wait_call(linked, 5)
    await client.drain()
    events = [m for m in client.events if d(m).get("Event") != "FullyBooted"]
    assert linked.startswith("pbx1-") and events
    assert all(m[1][0] == "Privilege" and m[2] == ("SystemName", "pbx1") for m in events)
    client.close()
    await s.stop()


async def test_recording_is_a_valid_wav_named_as_announced(sim: PbxSimulator) -> None:
    linked = await sim.place_call(talk_seconds=3)
    await sim.wait_call(linked, 5)
    await asyncio.sleep(0.2)
    announced = next(f["Value"] for n, f in sim.events_for(linked)
                     if n == "VarSet" and f["Variable"] == "MIXMONITOR_FILENAME")
    with wave.open(announced, "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        assert wav.getnframes() >= 8000 * 2
    assert Path(announced).name.startswith("q-hotline-13800138000-")


# -- actions ------------------------------------------------------------------------------------------
async def test_queue_pause_remove_add(sim: PbxSimulator, ami: Ami) -> None:
    resp = await ami.action("QueuePause", Queue="hotline", Interface="PJSIP/8001", Paused="true", Reason="小休")
    assert resp["Message"] == "Interface paused successfully"
    pause = await ami.until(lambda e: e.get("Event") == "QueueMemberPause")
    assert (pause["Paused"], pause["PausedReason"], pause["MemberName"]) == ("1", "小休", "话务员8001")
    assert {"LastPause", "LoginTime", "InCall", "Status", "Ringinuse", "Wrapuptime"} <= set(pause)
    assert next(m for m in sim.members() if m.interface == "PJSIP/8001").paused
    linked = await sim.place_call(talk_seconds=1)
    called = await ami.until(lambda e: e.get("Event") == "AgentCalled" and e["Linkedid"] == linked)
    assert called["Interface"] != "PJSIP/8001"
    assert (await ami.action("QueueRemove", Queue="hotline", Interface="PJSIP/8001"))["Message"] == \
        "Removed interface from queue"
    await ami.until(lambda e: e.get("Event") == "QueueMemberRemoved")
    added = await ami.action("QueueAdd", Queue="hotline", Interface="PJSIP/8001", MemberName="话务员8001")
    assert added["Message"] == "Added interface to queue"
    member = await ami.until(lambda e: e.get("Event") == "QueueMemberAdded")
    assert (member["Status"], member["Paused"], member["Membership"]) == ("1", "0", "dynamic")
    again = await ami.action("QueueAdd", Queue="hotline", Interface="PJSIP/8001")
    assert (again["Response"], again["Message"]) == ("Error", "Unable to add interface: Already there")


async def test_member_status_follows_the_phone(sim: PbxSimulator, ami: Ami) -> None:
    linked = await sim.place_call(agent="PJSIP/8003", talk_seconds=2)
    await sim.wait_call(linked, 5)
    await ami.drain()
    statuses = [d(m)["Status"] for m in ami.events
                if d(m).get("Event") == "QueueMemberStatus" and d(m)["Interface"] == "PJSIP/8003"]
    assert statuses == ["6", "2", "1"]  # ringing, in use, not in use
    last = [d(m) for m in ami.events if d(m).get("Event") == "QueueMemberStatus"][-1]
    assert (last["CallsTaken"], last["InCall"]) == ("1", "0")


async def test_originate_click_to_call(sim: PbxSimulator, ami: Ami) -> None:
    resp = await ami.action("Originate", ActionID="orig-1", Channel="PJSIP/8002", Context="from-internal",
                            Exten="13800138000", Priority="1", CallerID='"12345" <12345>',
                            Variable="HOTLINE_CASE_ID=C-2024-0042", Async="true")
    assert (resp["Response"], resp["Message"], resp["ActionID"]) == \
        ("Success", "Originate successfully queued", "orig-1")
    answer = await ami.until(lambda e: e.get("Event") == "OriginateResponse")
    assert (answer["ActionID"], answer["Response"], answer["Reason"]) == ("orig-1", "Success", "4")
    assert answer["Privilege"] == "call,all" and answer["Channel"].startswith("PJSIP/8002-")
    uid = answer["Uniqueid"]
    varset = await ami.until(lambda e: e.get("Event") == "VarSet" and e["Variable"] == "HOTLINE_CASE_ID")
    assert (varset["Value"], varset["Uniqueid"], varset["Linkedid"]) == ("C-2024-0042", uid, uid)
    trunk = await ami.until(lambda e: e.get("Event") == "Newchannel" and e["Channel"].startswith("PJSIP/trunk-"))
    assert trunk["Linkedid"] == uid
    await ami.until(lambda e: e.get("Event") == "Hangup" and e["Uniqueid"] == uid, timeout=5)
    events = sim.events_for(uid)
    assert names(events).index("VarSet") < names(events).index("Newstate")


async def test_originate_to_a_phone_that_does_not_answer_fails(sim: PbxSimulator, ami: Ami) -> None:
    sim.set_phone("PJSIP/8005", answers=False)
    resp = await ami.action("Originate", ActionID="orig-2", Channel="PJSIP/8005", Context="from-internal",
                            Exten="13800138000", Priority="1", Timeout="3000", Async="true")
    assert resp["Message"] == "Originate successfully queued"
    answer = await ami.until(lambda e: e.get("Event") == "OriginateResponse")
    assert (answer["ActionID"], answer["Response"], answer["Reason"], answer["Uniqueid"]) == \
        ("orig-2", "Failure", "3", "<null>")
    sync = await ami.action("Originate", Channel="PJSIP/8005", Context="from-internal", Exten="1", Timeout="2000")
    assert (sync["Response"], sync["Message"]) == ("Error", "Originate failed")


async def test_originate_chanspy_creates_a_spy_channel(sim: PbxSimulator, ami: Ami) -> None:
    linked = await sim.place_call(agent="PJSIP/8001", talk_seconds=60)
    connect = await ami.until(lambda e: e.get("Event") == "AgentConnect" and e["Linkedid"] == linked)
    resp = await ami.action("Originate", Channel="PJSIP/8101", Application="ChanSpy",
                            Data=f"{connect['DestChannel']},qB", CallerID="监听 <8101>", Async="yes")
    assert resp["Message"] == "Originate successfully queued"
    answer = await ami.until(lambda e: e.get("Event") == "OriginateResponse")
    assert (answer["Response"], answer["Application"]) == ("Success", "ChanSpy")
    start = await ami.until(lambda e: e.get("Event") == "ChanSpyStart")
    assert start["SpyeeChannel"] == connect["DestChannel"] and start["SpyerChannel"].startswith("PJSIP/8101-")
    spy = next(c for c in sim.channels() if c.name == start["SpyerChannel"])
    assert (spy.application, spy.app_data) == ("ChanSpy", f"{connect['DestChannel']},qB")
    hung = await ami.action("Hangup", Channel=connect["DestChannel"])
    assert hung["Message"] == "Channel Hungup"
    await ami.until(lambda e: e.get("Event") == "ChanSpyStop")
    complete = await ami.until(lambda e: e.get("Event") == "AgentComplete" and e["Linkedid"] == linked)
    assert complete["Reason"] == "agent"
    assert any(n == "SoftHangupRequest" for n, _ in sim.events_for(linked))


async def test_hangup_unknown_channel(ami: Ami) -> None:
    resp = await ami.action("Hangup", Channel="PJSIP/9999-00000001")
    assert (resp["Response"], resp["Message"]) == ("Error", "No such channel")


# -- failure modes ------------------------------------------------------------------------------------
async def test_drop_connections_closes_sockets_and_state_survives(sim: PbxSimulator, ami: Ami) -> None:
    linked = await sim.place_call(talk_seconds=60)
    await ami.until(lambda e: e.get("Event") == "AgentConnect")
    assert sim.drop_connections() == 1
    assert await ami.eof()
    again = await Ami.connect(sim.port)
    assert (await again.login())["Response"] == "Success"
    await again.action("CoreShowChannels")
    listed = await again.until(lambda e: e.get("Event") == "CoreShowChannelsComplete")
    assert int(listed["ListItems"]) == 2 and {c.linkedid for c in sim.channels()} == {linked}
    again.close()


async def test_drop_connections_mid_frame(sim: PbxSimulator, ami: Ami) -> None:
    await ami.drain()
    sim.drop_connections(partial="Event: Newchannel\r\nCallerIDName: 王".encode()[:-1])
    assert await ami.eof()
    assert bytes(ami.raw).endswith("CallerIDName: 王".encode()[:-1])


async def test_hang_keeps_sockets_open_but_silent(sim: PbxSimulator, ami: Ami) -> None:
    await ami.drain()
    sim.hang()
    action_id = ami.send("Ping")
    with pytest.raises(asyncio.TimeoutError):
        await ami.read(0.3)
    late = await Ami.connect(sim.port)
    with pytest.raises(asyncio.TimeoutError):
        await late.banner(0.3)
    sim.unhang()
    assert d(await ami.response(action_id))["Ping"] == "Pong"
    assert await late.banner() == b"Asterisk Call Manager/9.0.0\r\n"
    late.close()


async def test_raw_injection_reaches_logged_in_clients(sim: PbxSimulator, ami: Ami) -> None:
    await ami.drain()
    data = "Event: UserEvent\r\nCallerIDName: 王五\r\n\r\n".encode()
    await sim.send_raw_chunks(data, [len(b"Event: UserEvent\r\nCallerIDName: ") + 1], delay=0.02)
    msg = d(await ami.read())
    assert msg["CallerIDName"] == "王五"


# -- standalone -----------------------------------------------------------------------------------------
async def test_random_traffic_and_run_simulator() -> None:
    started: asyncio.Future[PbxSimulator] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_simulator("127.0.0.1", 0, agents=3, speed=200, calls_per_hour=1800, seed=7,
                                             started=started))
    sim = await asyncio.wait_for(started, 2)
    client = await Ami.connect(sim.port)
    await client.login()
    await client.until(lambda e: e.get("Event") == "QueueCallerJoin", timeout=3)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert parse_args(["--port", "0", "--no-traffic"]).port == 0
    assert TrafficProfile().abandon_ratio == pytest.approx(0.10)
    client.close()
