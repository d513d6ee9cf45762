"""Field lists of Asterisk 20 AMI events, in the order Asterisk writes them.

`channel_fields` is ast_manager_build_channel_state_string_prefix(), `bridge_fields` is
ast_manager_build_bridge_state_string_prefix(), `member_fields` is app_queue's queue_member_blob_create().
"""
from __future__ import annotations

from .model import Bridge, Channel, Member, QueueState

Pairs = list[tuple[str, str]]

# Event classes (manager.conf read= permissions); the Privilege line is "<class>,all".
CATEGORIES = ("system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf", "reporting",
              "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security", "message")

EVENT_CATEGORY = {
    "Newchannel": "call", "Newstate": "call", "Hangup": "call", "HangupRequest": "call",
    "SoftHangupRequest": "call", "NewCallerid": "call", "NewConnectedLine": "call", "NewAccountCode": "call",
    "DialBegin": "call", "DialState": "call", "DialEnd": "call", "BridgeCreate": "call", "BridgeEnter": "call",
    "BridgeLeave": "call", "BridgeDestroy": "call", "MusicOnHoldStart": "call", "MusicOnHoldStop": "call",
    "DeviceStateChange": "call", "OriginateResponse": "call", "ChanSpyStart": "call", "ChanSpyStop": "call",
    "LocalBridge": "call", "BlindTransfer": "call", "AttendedTransfer": "call", "CEL": "call", "Cdr": "cdr",
    "VarSet": "dialplan", "Newexten": "dialplan",
    "QueueCallerJoin": "agent", "QueueCallerLeave": "agent", "QueueCallerAbandon": "agent",
    "AgentCalled": "agent", "AgentConnect": "agent", "AgentComplete": "agent", "AgentRingNoAnswer": "agent",
    "AgentDump": "agent", "QueueMemberStatus": "agent", "QueueMemberAdded": "agent",
    "QueueMemberRemoved": "agent", "QueueMemberPause": "agent", "QueueMemberPenalty": "agent",
    "QueueMemberRinginuse": "agent", "FullyBooted": "system", "Reload": "system", "Shutdown": "system",
}


def category_of(event: str) -> str:
    return EVENT_CATEGORY.get(event, "call")


def _unknown(value: str) -> str:
    return value if value else "<unknown>"


def channel_fields(ch: Channel, prefix: str = "") -> Pairs:
    p = prefix
    return [
        (f"{p}Channel", ch.name), (f"{p}ChannelState", str(ch.state)), (f"{p}ChannelStateDesc", ch.state_desc),
        (f"{p}CallerIDNum", _unknown(ch.caller_num)), (f"{p}CallerIDName", _unknown(ch.caller_name)),
        (f"{p}ConnectedLineNum", _unknown(ch.connected_num)),
        (f"{p}ConnectedLineName", _unknown(ch.connected_name)),
        (f"{p}Language", ch.language), (f"{p}AccountCode", ch.accountcode), (f"{p}Context", ch.context),
        (f"{p}Exten", ch.exten), (f"{p}Priority", str(ch.priority)), (f"{p}Uniqueid", ch.uniqueid),
        (f"{p}Linkedid", ch.linkedid),
    ]


def bridge_fields(br: Bridge, prefix: str = "") -> Pairs:
    """`prefix` as AttendedTransfer writes it: OrigBridgeUniqueid, SecondBridgeUniqueid …"""
    p = prefix
    return [
        (f"{p}BridgeUniqueid", br.uniqueid), (f"{p}BridgeType", br.bridge_type),
        (f"{p}BridgeTechnology", br.technology), (f"{p}BridgeCreator", "<unknown>"), (f"{p}BridgeName", "<unknown>"),
        (f"{p}BridgeNumChannels", str(len(br.channels))), (f"{p}BridgeVideoSourceMode", "none"),
    ]


def member_fields(m: Member) -> Pairs:
    return [
        ("Queue", m.queue), ("MemberName", m.name), ("Interface", m.interface),
        ("StateInterface", m.state_interface), ("Membership", m.membership), ("Penalty", str(m.penalty)),
        ("CallsTaken", str(m.calls)), ("LastCall", str(m.last_call)), ("LastPause", str(m.last_pause)),
        ("LoginTime", str(m.login_time)), ("InCall", str(m.in_call)), ("Status", str(m.status)),
        ("Paused", "1" if m.paused else "0"), ("PausedReason", m.paused_reason),
        ("Ringinuse", str(m.ringinuse)), ("Wrapuptime", str(m.wrapuptime)),
    ]


def queue_params_fields(q: QueueState) -> Pairs:
    sl, sl2 = q.service_levels()
    return [
        ("Queue", q.name), ("Max", "0"), ("Strategy", q.strategy), ("Calls", str(len(q.entries))),
        ("Holdtime", str(q.holdtime)), ("TalkTime", str(q.talktime)), ("Completed", str(q.completed)),
        ("Abandoned", str(q.abandoned)), ("ServiceLevel", str(q.servicelevel)),
        ("ServicelevelPerf", f"{sl:.1f}"), ("ServicelevelPerf2", f"{sl2:.1f}"), ("Weight", "0"),
    ]


def queue_member_item(m: Member) -> Pairs:
    """The QueueMember item of a QueueStatus list (Name/Location, not MemberName/Interface)."""
    return [
        ("Queue", m.queue), ("Name", m.name), ("Location", m.interface), ("StateInterface", m.state_interface),
        ("Membership", m.membership), ("Penalty", str(m.penalty)), ("CallsTaken", str(m.calls)),
        ("LastCall", str(m.last_call)), ("LastPause", str(m.last_pause)), ("LoginTime", str(m.login_time)),
        ("InCall", str(m.in_call)), ("Status", str(m.status)), ("Paused", "1" if m.paused else "0"),
        ("PausedReason", m.paused_reason), ("Wrapuptime", str(m.wrapuptime)),
    ]


def duration(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
