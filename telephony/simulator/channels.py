"""Channel-level operations, each emitting the events Asterisk 20 emits for it."""
from __future__ import annotations

from typing import Any, Iterable

from .config import CAUSES, DOWN, UP
from .fields import bridge_fields, channel_fields
from .model import Bridge, Channel
from .pbx import Pbx
from .reporting import cel, hangup_cel

CID_PRES = "0 (Presentation Allowed, Not Screened)"


def device_of(name: str) -> str:
    """`PJSIP/8001-0000001b` → `PJSIP/8001`."""
    base = name.split(";")[0]
    return base.rsplit("-", 1)[0] if "-" in base else base


def new_channel(pbx: Pbx, base: str, *, state: int, context: str, exten: str, caller: tuple[str, str] = ("", ""),
                linkedid: str | None = None, phone: bool = False, owner: Any = None) -> Channel:
    """Newchannel. `caller` is (number, name); `phone` marks a leg to one of our phones (device state)."""
    uid = pbx.ids.uniqueid()
    name = pbx.ids.channel_name(base)
    ch = Channel(name, uid, linkedid or uid, state, context, exten, caller_num=caller[0], caller_name=caller[1],
                 created=pbx.now(), device=device_of(name) if phone else "", owner=owner)
    pbx.channels[name] = ch
    pbx.emit("Newchannel", channel_fields(ch))
    cel(pbx, ch, "CHAN_START")
    pbx.refresh_device(ch.device)
    return ch


def new_local_pair(pbx: Pbx, base: str, *, linkedid: str | None = None, owner: Any = None,
                   caller: tuple[str, str] = ("", "")) -> tuple[Channel, Channel]:
    """chan_local's two halves of `Local/exten@context`: one Newchannel each, the same Linkedid, both
    starting in that context and extension."""
    exten, _, context = base.split("/", 1)[1].partition("@")
    one = new_channel(pbx, base, state=DOWN, context=context, exten=exten, caller=caller, linkedid=linkedid,
                      owner=owner)
    two = Channel(one.name[:-1] + "2", pbx.ids.uniqueid(), one.linkedid, DOWN, context, exten, caller_num=caller[0],
                  caller_name=caller[1], created=pbx.now(), owner=owner)
    pbx.channels[two.name] = two
    pbx.emit("Newchannel", channel_fields(two))
    cel(pbx, two, "CHAN_START")
    return one, two


def set_var(pbx: Pbx, ch: Channel, name: str, value: str) -> None:
    ch.variables[name] = value
    pbx.emit("VarSet", channel_fields(ch) + [("Variable", name), ("Value", value)])


def set_vars(pbx: Pbx, ch: Channel, pairs: Iterable[tuple[str, str]]) -> None:
    for name, value in pairs:
        set_var(pbx, ch, name, value)


def newexten(pbx: Pbx, ch: Channel, app: str, data: str, *, priority: int | None = None,
             context: str | None = None, exten: str | None = None) -> None:
    ch.context = context or ch.context
    ch.exten = exten or ch.exten
    ch.priority = priority or ch.priority
    ch.application, ch.app_data = app, data
    pbx.emit("Newexten", channel_fields(ch) + [("Extension", ch.exten), ("Application", app), ("AppData", data)])


def set_state(pbx: Pbx, ch: Channel, state: int) -> None:
    answered = state == UP and ch.state != UP
    ch.state = state
    pbx.emit("Newstate", channel_fields(ch))
    if answered:
        cel(pbx, ch, "ANSWER")
    pbx.refresh_device(ch.device)


def set_callerid(pbx: Pbx, ch: Channel, number: str, name: str) -> None:
    ch.caller_num, ch.caller_name = number, name
    pbx.emit("NewCallerid", channel_fields(ch) + [("CID-CallingPres", CID_PRES)])


def set_connected(pbx: Pbx, ch: Channel, number: str, name: str) -> None:
    ch.connected_num, ch.connected_name = number, name
    pbx.emit("NewConnectedLine", channel_fields(ch))


def hangup_request(pbx: Pbx, ch: Channel, *, soft: bool = False, cause: int = 16) -> None:
    """HangupRequest (the far end hung up) or SoftHangupRequest (Hangup action, another channel)."""
    pbx.emit("SoftHangupRequest" if soft else "HangupRequest", channel_fields(ch) + [("Cause", str(cause))])


def hangup(pbx: Pbx, ch: Channel, cause: int = 16) -> None:
    if pbx.channels.pop(ch.name, None) is None:
        return
    pbx.emit("Hangup", channel_fields(ch) + [("Cause", str(cause)), ("Cause-txt", CAUSES.get(cause, "Unknown"))])
    hangup_cel(pbx, ch, cause)
    pbx.refresh_device(ch.device)


def moh_start(pbx: Pbx, ch: Channel) -> None:
    pbx.emit("MusicOnHoldStart", channel_fields(ch) + [("Class", "default")])


def moh_stop(pbx: Pbx, ch: Channel) -> None:
    pbx.emit("MusicOnHoldStop", channel_fields(ch))


def two(caller: Channel, dest: Channel, extra: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """Caller fields, `Dest`-prefixed fields of the other channel, then the event's own fields."""
    return channel_fields(caller) + channel_fields(dest, "Dest") + list(extra)


def dial_begin(pbx: Pbx, caller: Channel, dest: Channel, dialstring: str) -> None:
    pbx.emit("DialBegin", two(caller, dest, [("DialString", dialstring)]))


def dial_state(pbx: Pbx, caller: Channel, dest: Channel, status: str) -> None:
    pbx.emit("DialState", two(caller, dest, [("DialStatus", status)]))


def dial_end(pbx: Pbx, caller: Channel, dest: Channel, status: str) -> None:
    pbx.emit("DialEnd", two(caller, dest, [("DialStatus", status)]))


def bridge_create(pbx: Pbx) -> Bridge:
    br = Bridge()
    pbx.emit("BridgeCreate", bridge_fields(br))
    return br


def bridge_enter(pbx: Pbx, br: Bridge, ch: Channel) -> None:
    br.channels.append(ch)
    ch.bridge_id = br.uniqueid
    pbx.emit("BridgeEnter", bridge_fields(br) + channel_fields(ch))
    cel(pbx, ch, "BRIDGE_ENTER", {"bridge_id": br.uniqueid, "bridge_technology": br.technology},
        peer=",".join(other.name for other in br.channels if other is not ch))


def bridge_leave(pbx: Pbx, br: Bridge, ch: Channel) -> None:
    if ch not in br.channels:
        return
    br.channels.remove(ch)
    ch.bridge_id = ""
    pbx.emit("BridgeLeave", bridge_fields(br) + channel_fields(ch))
    cel(pbx, ch, "BRIDGE_EXIT", {"bridge_id": br.uniqueid, "bridge_technology": br.technology},
        peer=",".join(other.name for other in br.channels))


def bridge_destroy(pbx: Pbx, br: Bridge) -> None:
    pbx.emit("BridgeDestroy", bridge_fields(br))
