"""The AMI frame parser, message type, action serializer and answer matching, without sockets."""
from __future__ import annotations

import asyncio
import copy
import pickle

import pytest

from telephony.ami.actions import PendingActions
from telephony.ami.errors import AmiActionFailed, AmiConnectionLost
from telephony.ami.protocol import AmiMessage, FrameParser, format_action

BANNER = b"Asterisk Call Manager/9.0.0\r\n"
NEWCHANNEL = ("Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/trunk-00000001\r\n"
              "CallerIDNum: 13800000000\r\nCallerIDName: 王五\r\nUniqueid: 1700000000.1\r\n"
              "Linkedid: 1700000000.1\r\n\r\n").encode()


def varset(name: str, value: str = "x") -> bytes:
    return (f"Event: VarSet\r\nPrivilege: dialplan,all\r\nChannel: PJSIP/trunk-00000001\r\n"
            f"Uniqueid: 1700000000.1\r\nVariable: {name}\r\nValue: {value}\r\n\r\n").encode()


def test_banner_then_frames_in_one_read() -> None:
    parser = FrameParser()
    messages = parser.feed(BANNER + b"Response: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n"
                           + NEWCHANNEL)
    assert parser.banner == "Asterisk Call Manager/9.0.0"
    assert [m.get("Response") or m.event for m in messages] == ["Success", "Newchannel"]
    assert messages[1]["CallerIDName"] == "王五"


def test_utf8_character_split_across_reads_arrives_whole() -> None:
    """panoramisk defect: each read is decoded alone with errors ignored, losing 王五."""
    data = BANNER + NEWCHANNEL
    cut = data.index("王".encode()) + 1  # inside the 3-byte character
    parser = FrameParser()
    assert parser.feed(data[:cut]) == []
    assert parser.feed(data[cut:])[0]["CallerIDName"] == "王五"


def test_byte_by_byte_reads_give_the_same_messages() -> None:
    data = BANNER + NEWCHANNEL + varset("MIXMONITOR_FILENAME", "/rec/王五.wav") + NEWCHANNEL
    parser, got = FrameParser(), []
    for i in range(len(data)):
        got += parser.feed(data[i:i + 1])
    assert got == FrameParser().feed(data)
    assert [m.event for m in got] == ["Newchannel", "VarSet", "Newchannel"]
    assert got[1]["Value"] == "/rec/王五.wav"


def test_invalid_utf8_is_replaced_not_dropped() -> None:
    messages = FrameParser().feed(b"Event: UserEvent\r\nData: a\xffb\r\n\r\n")
    assert messages[0]["Data"] == "a\ufffdb"


def test_varset_noise_is_dropped_before_building_messages() -> None:
    parser = FrameParser(keep_variables={"MIXMONITOR_FILENAME", "HOTLINE_CASE_ID"})
    data = b"".join((varset("BRIDGEPEER"), varset("MIXMONITOR_FILENAME"), varset("__HOTLINE_CASE_ID", "42"),
                     varset("RTPAUDIOQOS")))
    messages = parser.feed(data)
    assert [m["Variable"] for m in messages] == ["MIXMONITOR_FILENAME", "__HOTLINE_CASE_ID"]
    assert parser.stats.varset_dropped == 2


def test_varset_not_led_by_its_event_line_is_still_filtered() -> None:
    parser = FrameParser()
    assert parser.feed(b"Privilege: dialplan,all\r\nEvent: VarSet\r\nVariable: BRIDGEPEER\r\n\r\n") == []
    assert parser.stats.varset_dropped == 1


def test_events_the_consumer_does_not_read_are_dropped_unparsed() -> None:
    parser = FrameParser(keep_variables={"MIXMONITOR_FILENAME"}, events={"Newchannel", "VarSet"})
    newexten = b"Event: Newexten\r\nChannel: PJSIP/trunk-00000001\r\nApplication: Queue\r\n\r\n"
    data = b"".join((newexten, NEWCHANNEL, varset("BRIDGEPEER"), varset("MIXMONITOR_FILENAME"),
                     b"Event: CoreShowChannel\r\nActionID: a7\r\nChannel: SIP/1-1\r\n\r\n",
                     b"Response: Success\r\nActionID: a8\r\n\r\n", b"Event: FullyBooted\r\n\r\n"))
    messages = parser.feed(data)
    assert [m.get("Response") or m.event for m in messages] == ["Newchannel", "VarSet", "CoreShowChannel", "Success"]
    assert parser.stats.events_ignored == 2 and parser.stats.varset_dropped == 1


def test_an_unread_event_not_led_by_its_event_line_is_dropped_too() -> None:
    parser = FrameParser(events={"Hangup"})
    assert parser.feed(b"Privilege: dialplan,all\r\nEvent: Newexten\r\n\r\nEvent: Hangup\r\n\r\n") == [
        AmiMessage({"Event": "Hangup"})]
    assert parser.stats.events_ignored == 1


def test_without_an_events_list_every_event_is_kept() -> None:
    parser = FrameParser()
    assert [m.event for m in parser.feed(b"Event: Newexten\r\n\r\nEvent: FullyBooted\r\n\r\n")] == [
        "Newexten", "FullyBooted"]
    assert parser.stats.events_ignored == 0


def test_malformed_lines_are_skipped_and_the_rest_kept() -> None:
    parser = FrameParser()
    messages = parser.feed(b"Event: Hangup\r\nthis is not a header\r\nCause:16\r\n: novalue\r\n"
                           b"Channel: SIP/1-1\r\n\r\n")
    assert dict(messages[0]) == {"Event": "Hangup", "Cause": "16", "Channel": "SIP/1-1"}
    assert parser.stats.malformed_lines == 2


def test_frames_without_event_or_response_are_dropped_and_counted() -> None:
    parser = FrameParser()
    assert parser.feed(b"Foo: bar\r\n\r\n\r\n\r\nEvent: X\r\n\r\n") == [AmiMessage({"Event": "X"})]
    assert parser.stats.dropped_frames == 1


def test_repeated_headers_become_tuples() -> None:
    message = FrameParser().feed(b"Event: Newexten\r\nChanVariable: A=1\r\nChanVariable: B=2\r\nChannel: x\r\n\r\n")[0]
    assert message["ChanVariable"] == ("A=1", "B=2")
    assert message.getall("ChanVariable") == ("A=1", "B=2")
    assert message.text("ChanVariable") == "A=1"
    assert message.getall("Channel") == ("x",)
    assert message.getall("Missing") == ()


def test_64kb_header_in_small_reads() -> None:
    value = "长" * 30000  # 90 KB of UTF-8
    data = f"Event: UserEvent\r\nUserEvent: Big\r\nData: {value}\r\n\r\n".encode()
    parser, got = FrameParser(), []
    for i in range(0, len(data), 4096):
        got += parser.feed(data[i:i + 4096])
    assert got[0]["Data"] == value


def test_oversized_frame_is_skipped_and_parsing_recovers() -> None:
    parser = FrameParser(max_frame_bytes=1000)
    got = parser.feed(b"Event: Huge\r\nData: " + b"x" * 600)
    got += parser.feed(b"x" * 600)
    got += parser.feed(b"x\r\n\r")
    got += parser.feed(b"\nEvent: After\r\n\r\n")
    assert [m.event for m in got] == ["After"]
    assert parser.stats.oversized_frames == 1


def test_unfinished_frame_is_held_not_half_parsed() -> None:
    parser = FrameParser()
    assert parser.feed(b"Event: Hangup\r\nChannel: SIP/1") == []
    assert parser.pending_bytes == len(b"Event: Hangup\r\nChannel: SIP/1")


def test_no_banner_is_fine() -> None:
    assert FrameParser().feed(b"Event: A\r\n\r\n")[0].event == "A"
    parser = FrameParser()
    assert parser.feed(b"Asterisk Call") == []
    assert parser.feed(b" Manager/9.0.0\r\nEvent: A\r\n\r\n")[0].event == "A"
    assert parser.banner == "Asterisk Call Manager/9.0.0"


def test_originate_response_is_an_event() -> None:
    message = FrameParser().feed(b"Event: OriginateResponse\r\nResponse: Success\r\nActionID: a1\r\n\r\n")[0]
    assert message.is_event and message.action_id == "a1"


def test_message_is_read_only_but_copyable() -> None:
    message = AmiMessage({"Event": "X"})
    with pytest.raises(TypeError):
        message["Event"] = "Y"  # type: ignore[index]
    with pytest.raises(TypeError):
        message.update(a="b")
    assert copy.deepcopy(message) is message
    assert pickle.loads(pickle.dumps(message)) == message
    assert type(pickle.loads(pickle.dumps(message))) is AmiMessage


def test_format_action_orders_and_repeats_and_refuses_injection() -> None:
    data = format_action({"Channel": "PJSIP/8001", "ActionID": "a1", "Action": "Originate",
                          "Variable": ["HOTLINE_CASE_ID=42", "HOTLINE_PURPOSE=回访"]})
    assert data == ("Action: Originate\r\nActionID: a1\r\nChannel: PJSIP/8001\r\n"
                    "Variable: HOTLINE_CASE_ID=42\r\nVariable: HOTLINE_PURPOSE=回访\r\n\r\n").encode()
    with pytest.raises(ValueError):
        format_action({"Action": "Originate", "CallerID": "王五\r\nAction: Hangup"})


def msg(**headers: str) -> AmiMessage:
    return AmiMessage({k.replace("_", ""): v for k, v in headers.items()})


async def test_list_action_collects_items_until_complete() -> None:
    pending = PendingActions()
    future = pending.begin("a1", "QueueStatus")
    assert pending.route(msg(Response="Success", ActionID="a1", EventList="start"))
    assert pending.route(msg(Event="QueueParams", ActionID="a1"))
    assert not pending.route(msg(Event="Newchannel"))
    assert pending.route(msg(Event="QueueStatusComplete", ActionID="a1", EventList="Complete"))
    assert [m.get("Event") or m["Response"] for m in await future] == ["Success", "QueueParams", "QueueStatusComplete"]
    assert len(pending) == 0


async def test_originate_response_event_is_not_swallowed() -> None:
    pending = PendingActions()
    future = pending.begin("o1", "Originate")
    assert not pending.route(msg(Event="OriginateResponse", Response="Success", ActionID="o1"))
    assert pending.route(msg(Response="Success", ActionID="o1", Message="Originate successfully queued"))
    assert (await future)[0]["Message"] == "Originate successfully queued"
    assert not pending.route(msg(Event="OriginateResponse", Response="Success", ActionID="o1"))


async def test_error_response_raises_typed_error() -> None:
    pending = PendingActions()
    future = pending.begin("a1", "QueueRemove")
    pending.route(msg(Response="Error", ActionID="a1", Message="Interface not found"))
    with pytest.raises(AmiActionFailed, match="Interface not found"):
        await future


async def test_late_answers_of_abandoned_actions_are_swallowed() -> None:
    pending = PendingActions()
    pending.begin("l1", "CoreShowChannels")
    pending.begin("o1", "Originate")
    pending.abandon("l1")
    pending.abandon("o1")
    assert pending.route(msg(Response="Success", ActionID="l1", EventList="start"))
    assert pending.route(msg(Event="CoreShowChannel", ActionID="l1"))
    assert pending.route(msg(Event="CoreShowChannelsComplete", ActionID="l1", EventList="Complete"))
    assert not pending.route(msg(Event="CoreShowChannel", ActionID="l1"))
    assert pending.route(msg(Response="Success", ActionID="o1"))
    assert not pending.route(msg(Event="OriginateResponse", Response="Failure", ActionID="o1"))


async def test_fail_all_fails_every_waiting_action() -> None:
    pending = PendingActions()
    futures = [pending.begin(f"a{i}", "Originate") for i in range(3)]
    assert pending.fail_all(lambda name: AmiConnectionLost(name, "断开")) == 3
    for future in futures:
        with pytest.raises(AmiConnectionLost, match="不会重发"):
            await future
    await asyncio.sleep(0)
