"""The AMI link over real TCP against a small fake Asterisk that can misbehave on demand.

Each panoramisk 1.4 defect the adapter covers has a test here (named after the defect), plus the
connection life cycle: login, resync, reconnect, backpressure and hostile input.
"""
from __future__ import annotations

import asyncio
import contextlib
import random

import pytest

from telephony.ami import (AmiActionFailed, AmiClosed, AmiConnectionLost, AmiMessage, AmiNotConnected,
                           AmiTimeout, SinkItem)

from tests.integration.ami_fakes import FakeAmi, event, eventually, frame, last, name, pbx, ready, seqs, take


@pytest.mark.parametrize("auth", ["md5", "plain"])
async def test_login_then_resync_between_markers_with_live_events_after(make_link, fake: FakeAmi, auth: str) -> None:
    async def core_show_channels(writer: asyncio.StreamWriter, f: dict[str, str]) -> None:
        aid = f"ActionID: {f['ActionID']}"
        writer.write(frame("Response: Success", aid, "EventList: start") + event("Newchannel", 1)
                     + frame("Event: CoreShowChannel", aid, "Channel: SIP/1-1")
                     + frame("Event: CoreShowChannelsComplete", aid, "EventList: Complete"))
    fake.hooks["CoreShowChannels"] = core_show_channels
    link, sink = await make_link(fake.port, auth=auth)
    items = await take(sink, "Newchannel")
    assert [name(i) for i in items] == [
        "LinkUp", "HotlineResyncStart", "CoreShowChannel", "CoreShowChannelsComplete", "QueueParams",
        "QueueMember", "QueueStatusComplete", "HotlineResyncEnd", "FullyBooted", "Newchannel"]
    assert last(items[:7])["ListItems"] == "2" and last(items[:6])["Name"] == "张三"
    login = next(a for a in fake.actions if a["Action"] == "Login")
    assert ("Key" in login) == (auth == "md5") and ("Secret" in login) == (auth == "plain")
    assert link.state.up and link.state.connected_since is not None and link.state.last_failure == ""


async def test_login_failure_is_clear_keeps_retrying_then_recovers(make_link, fake: FakeAmi) -> None:
    fake.accept_login = False
    link, sink = await make_link(fake.port)
    await eventually(lambda: fake.count("Login") >= 3)
    state = link.state
    assert not state.up and state.last_failure == "PBX 登录失败：Authentication failed" and state.last_failure_at
    with pytest.raises(AmiNotConnected, match="PBX 未连接"):
        await link.ping()
    fake.accept_login = True
    assert await link.wait_up(2)
    assert name(await sink.get()) == "LinkUp"


async def test_reconnect_backoff_grows_to_the_maximum(make_link, fake: FakeAmi) -> None:
    fake.accept_login = False
    await make_link(fake.port, settings=pbx(fake.port, reconnect_min=0.02, reconnect_max=0.16))
    await eventually(lambda: len(fake.connect_times) >= 7)
    gaps = [b - a for a, b in zip(fake.connect_times, fake.connect_times[1:])]
    assert gaps[0] < 0.1 and max(gaps) >= 0.15 and gaps[-1] < 0.4


async def test_unreachable_pbx_start_does_not_raise(make_link, fake: FakeAmi) -> None:
    await fake.stop()  # nothing listens on its port any more
    link, _ = await make_link(fake.port)
    await eventually(lambda: link.state.attempts >= 3)
    assert not link.state.up and "无法连接 PBX" in link.state.last_failure


async def test_close_during_outage_stops_reconnecting_for_good(make_link, fake: FakeAmi) -> None:
    """panoramisk defect: Manager.close() leaves its call_later reconnect running."""
    link, sink = await ready(make_link, fake)
    await fake.stop()
    await take(sink, "LinkDown")
    await eventually(lambda: link.state.attempts >= 3)
    await link.close()
    attempts = link.state.attempts
    revived = FakeAmi()
    await revived.start(fake.port)
    await asyncio.sleep(0.4)
    assert revived.writers == [] and link.state.attempts == attempts
    await revived.stop()
    with pytest.raises(AmiClosed):
        await link.ping()


async def test_utf8_character_split_across_socket_reads_arrives_whole(make_link, fake: FakeAmi) -> None:
    """panoramisk defect: each read is decoded alone with errors='ignore', so 王五 loses bytes."""
    link, sink = await ready(make_link, fake)
    data = event("Newchannel", 1, CallerIDName="王五", CallerIDNum="13800000000")
    cut = data.index("王".encode()) + 2
    await fake.send(data[:cut], data[cut:], pause=0.05)
    assert last(await take(sink, "Newchannel"))["CallerIDName"] == "王五"


class PoisonQueue(asyncio.Queue):
    def put_nowait(self, item: SinkItem) -> None:
        if isinstance(item, AmiMessage) and item.get("Event") == "Poison":
            raise RuntimeError("consumer-side bug")
        super().put_nowait(item)


async def test_exception_while_handling_a_message_keeps_connection_and_rest_of_read(make_link, fake: FakeAmi) -> None:
    """panoramisk defect: an exception in a callback drops the connection and the rest of the read."""
    link, sink = await ready(make_link, fake, sink=PoisonQueue(100))
    await fake.send(event("Before", 1) + event("Poison", 2) + event("After", 3))
    await fake.send(event("Later", 4))
    assert seqs(await take(sink, "Later")) == [1, 3, 4]
    assert link.state.up and len(fake.writers) == 1


async def test_hung_pbx_is_detected_by_the_ping_watchdog_and_reconnected(make_link, fake: FakeAmi) -> None:
    """panoramisk defect: it pings but ignores the answers, so a hung Asterisk is never noticed."""
    link, sink = await ready(make_link, fake)
    fake.muted.add(fake.writers[-1])
    items = await take(sink, "HotlineResyncEnd")
    assert [name(i) for i in items][:3] == ["LinkDown", "LinkUp", "HotlineResyncStart"]
    assert "心跳" in items[0].reason and "心跳" in link.state.last_failure  # type: ignore[union-attr]
    assert len(fake.writers) == 2 and link.state.up


async def test_every_action_times_out_with_a_clear_error(make_link, fake: FakeAmi) -> None:
    """panoramisk defect: actions have no timeout and wait forever."""
    link, sink = await ready(make_link, fake, settings=pbx(fake.port, ping_interval=5))
    fake.swallow.add("Status")
    with pytest.raises(AmiTimeout, match="PBX 未响应：Status 在 0.2 秒内没有应答"):
        await link.action({"Action": "Status"}, timeout=0.2)
    fake.swallow.add("Originate")
    with pytest.raises(AmiTimeout, match="未重发"):
        await link.originate("PJSIP/8001", exten="13800000000", context="callback", timeout=0.2)
    assert link.state.up and await link.ping() < 0.5


async def test_originate_is_never_sent_twice_when_the_link_drops(make_link, fake: FakeAmi) -> None:
    """panoramisk defect: pending actions are re-sent after reconnect (on FullyBooted)."""
    link, sink = await ready(make_link, fake)
    fake.swallow.add("Originate")
    call = asyncio.create_task(link.originate("PJSIP/8001", exten="13800000000", context="callback",
                                              variables={"HOTLINE_CASE_ID": "42"}))
    await eventually(lambda: fake.count("Originate") == 1)
    fake.drop()
    with pytest.raises(AmiConnectionLost, match="Originate 未得到应答且不会重发"):
        await call
    await take(sink, "HotlineResyncEnd")
    await take(sink, "FullyBooted")
    await asyncio.sleep(0.2)
    assert fake.count("Originate") == 1


async def test_events_stay_in_order_across_arbitrary_read_boundaries(make_link, fake: FakeAmi) -> None:
    """panoramisk defect: coroutine callbacks run as dropped tasks, so order is lost."""
    link, sink = await ready(make_link, fake)
    data = b"".join(event("Newexten", n, Channel=f"PJSIP/主叫-{n}") for n in range(2000)) + event("Done")
    rng = random.Random(4)
    cuts = sorted(rng.randrange(len(data)) for _ in range(60))
    await fake.send(*(data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])))
    assert seqs(await take(sink, "Done")) == list(range(2000))


async def test_full_sink_pauses_reading_and_loses_nothing(make_link, fake: FakeAmi) -> None:
    link, sink = await ready(make_link, fake, sink=asyncio.Queue(10))
    sender = asyncio.create_task(fake.send(b"".join(event("Newexten", n) for n in range(3000)) + event("Done")))
    await asyncio.sleep(0.5)  # nobody consumes; longer than ping interval + timeout
    assert link.state.backpressure_pauses >= 1 and link.state.backlog > 0
    assert seqs(await take(sink, "Done")) == list(range(3000))
    await sender
    assert len(fake.writers) == 1 and link.state.up and link.state.backlog == 0


async def test_drop_mid_frame_then_reconnect_loses_and_duplicates_nothing(make_link, fake: FakeAmi) -> None:
    link, sink = await ready(make_link, fake)
    await fake.send(b"".join(event("Newexten", n) for n in range(50)) + event("Newexten", 50)[:20])
    await asyncio.sleep(0.05)
    fake.drop()
    before = await take(sink, "HotlineResyncEnd")
    assert [name(i) for i in before][-10:-8] == ["Newexten", "LinkDown"]
    await fake.send(b"".join(event("Newexten", n) for n in range(50, 100)) + event("Done"))
    after = await take(sink, "Done")
    assert seqs(before) + seqs(after) == list(range(100))


async def test_drop_during_resync_fails_its_actions_at_once_and_reconnects(make_link, fake: FakeAmi) -> None:
    async def drop_once(writer: asyncio.StreamWriter, f: dict[str, str]) -> None:
        del fake.hooks["QueueStatus"]
        writer.transport.abort()
    fake.hooks["QueueStatus"] = drop_once
    link, sink = await make_link(fake.port, settings=pbx(fake.port, action_timeout=5))
    items = await take(sink, "HotlineResyncEnd", timeout=1)  # well before the 5 s action timeout
    assert [name(i) for i in items][:5] == ["LinkUp", "FullyBooted", "LinkDown", "LinkUp", "HotlineResyncStart"]
    assert items[2].reason == "PBX 关闭了连接"  # type: ignore[union-attr]


async def test_malformed_and_unknown_frames_are_survived(make_link, fake: FakeAmi) -> None:
    link, sink = await ready(make_link, fake)
    await fake.send(b"garbage without colon\r\n\r\n" + frame("Foo: no event", "Bar: x")
                    + frame("Event: Hangup", "not a header", "Seq: 1") + event("SomethingNew", 2)
                    + frame("Response: Success", "ActionID: nobody-asked") + event("Done"))
    items = await take(sink, "Done")
    assert [name(i) for i in items] == ["Hangup", "SomethingNew", "Done"]
    assert link.state.malformed_lines == 2 and link.state.dropped_frames == 2
    assert len(fake.writers) == 1


async def test_64kb_header_in_many_small_writes(make_link, fake: FakeAmi) -> None:
    link, sink = await ready(make_link, fake)
    value = "市民反映" * 16384  # 64 K characters, 192 KB of UTF-8
    data = event("UserEvent", 1, Data=value)
    await fake.send(*(data[i:i + 7000] for i in range(0, len(data), 7000)))
    assert last(await take(sink, "UserEvent"))["Data"] == value


async def test_list_action_returns_response_and_items_and_helpers_send_asterisk_fields(make_link, fake) -> None:
    link, _ = await ready(make_link, fake)
    answer = await link.action({"Action": "QueueStatus"})
    assert [m.get("Event") or m["Response"] for m in answer] == ["Success", "QueueParams", "QueueMember",
                                                                   "QueueStatusComplete"]
    with pytest.raises(AmiActionFailed, match="PBX 拒绝了 Bogus：Invalid/unknown command"):
        await link.action({"Action": "Bogus"})
    await link.queue_add("hotline", "PJSIP/8001", member_name="张三", paused=True, reason="培训")
    await link.queue_pause("PJSIP/8001", False, queue="hotline")
    await link.queue_remove("hotline", "PJSIP/8001")
    await link.hangup("PJSIP/8001-00000001", cause=16)
    sent = {a["Action"]: a for a in fake.actions}
    assert sent["QueueAdd"]["MemberName"] == "张三" and sent["QueueAdd"]["Paused"] == "true"
    assert sent["QueuePause"]["Paused"] == "false" and sent["Hangup"]["Cause"] == "16"


async def test_originate_returns_its_action_id_and_the_outcome_comes_through_the_sink(make_link, fake: FakeAmi) -> None:
    link, sink = await ready(make_link, fake)
    action_id = await link.originate("PJSIP/8001", exten="13800000000", context="callback", caller_id="12345",
                                     variables={"HOTLINE_CASE_ID": "42", "HOTLINE_PURPOSE": "回访"})
    outcome = last(await take(sink, "OriginateResponse"))
    assert outcome.action_id == action_id and outcome["Response"] == "Success"
    sent = [a for a in fake.actions if a["Action"] == "Originate"][0]
    assert sent["Async"] == "true" and sent["Channel"] == "PJSIP/8001"


async def test_close_fails_waiting_actions_and_refuses_new_ones(make_link, fake: FakeAmi) -> None:
    link, _ = await ready(make_link, fake)
    fake.swallow.add("Status")
    waiting = asyncio.create_task(link.action({"Action": "Status"}, timeout=5))
    await eventually(lambda: fake.count("Status") == 1)
    await link.close()
    with pytest.raises(AmiClosed, match="PBX 链路已关闭"):
        await waiting
    assert not link.state.up


@pytest.fixture
async def simulator():
    sim_module = pytest.importorskip("telephony.simulator")  # written concurrently; optional here
    sim = sim_module.PbxSimulator(sim_module.SimulatorConfig(speed=50, seed=1, users={"hotline": "s3cret"}))
    await sim.start("127.0.0.1", 0)
    yield sim
    await sim.stop()


async def settle(sink: asyncio.Queue[SinkItem], quiet: float = 0.15) -> list[SinkItem]:
    out: list[SinkItem] = []
    with contextlib.suppress(TimeoutError):
        while True:
            out.append(await asyncio.wait_for(sink.get(), quiet))
    return out


async def test_simulator_call_arrives_complete_in_order_with_noise_dropped(make_link, simulator) -> None:
    link, sink = await ready(make_link, simulator)
    linked = await simulator.place_call(caller_name="王五", answer_after=1, talk_seconds=2)
    await simulator.wait_call(linked, 5)
    got = [i for i in await settle(sink)
           if isinstance(i, AmiMessage) and linked in (i.get("Linkedid"), i.get("DestLinkedid"))]
    expected = [e for e, f in simulator.events_for(linked) if e != "VarSet" or f["Variable"] == "MIXMONITOR_FILENAME"]
    assert [m.event for m in got] == expected and link.state.varset_dropped > 50
    assert next(m for m in got if m.event == "QueueCallerJoin")["CallerIDName"] == "王五"


async def test_link_given_the_consumers_events_drops_the_rest_but_not_answers(make_link, simulator) -> None:
    """The platform's link reads only what the mapper maps; resync list items answer our actions."""
    link, sink = await make_link(simulator.port, events={"QueueCallerJoin", "AgentCalled", "Hangup"})
    resync = await take(sink, "HotlineResyncEnd")
    assert {"QueueMember", "QueueParams"} <= {name(i) for i in resync}
    linked = await simulator.place_call(caller_name="王五", answer_after=1, talk_seconds=1)
    await simulator.wait_call(linked, 5)
    everything = resync + await settle(sink)
    got = [i for i in everything if isinstance(i, AmiMessage) and linked in (i.get("Linkedid"), i.get("DestLinkedid"))]
    expected = [e for e, _ in simulator.events_for(linked) if e in {"QueueCallerJoin", "AgentCalled", "Hangup"}]
    assert [m.event for m in got] == expected and "Hangup" in expected
    assert link.state.events_ignored > 30 and not {"FullyBooted", "Newexten"} & {name(i) for i in everything}


async def test_simulator_drop_mid_call_then_resync_equals_its_channels(make_link, simulator) -> None:
    link, sink = await ready(make_link, simulator)
    await simulator.place_call(caller_name="李四", answer_after=1, talk_seconds=300)
    await take(sink, "AgentConnect")
    simulator.drop_connections(partial=b"Event: Newexten\r\nChannel: PJSIP/tru")
    items = await take(sink, "HotlineResyncEnd")
    snapshot = {m["Channel"] for m in items[items.index(next(i for i in items if name(i) == "HotlineResyncStart")):]
                if isinstance(m, AmiMessage) and m.event == "CoreShowChannel"}
    assert "LinkDown" in [name(i) for i in items] and snapshot == {c.name for c in simulator.channels()} != set()


async def test_simulator_hang_is_detected_and_the_link_recovers(make_link, simulator) -> None:
    link, sink = await ready(make_link, simulator)
    simulator.hang()
    down = await take(sink, "LinkDown")
    assert "心跳" in down[-1].reason  # type: ignore[union-attr]
    simulator.unhang()
    await take(sink, "HotlineResyncEnd")
    assert link.state.up
