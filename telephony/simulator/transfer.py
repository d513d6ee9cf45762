"""Transfers by the answering agent's phone, with the events Asterisk 20 raises (stasis_bridges.c).

Blind (a SIP REFER): BlindTransfer, the transferer's BYE, the transferee runs `exten@from-internal`.
Attended: the phone puts the citizen on hold and calls `exten` on a second channel of its own (a
call with its own Linkedid); on completion AttendedTransfer (DestType Bridge), the target moves into the
transferee's bridge and takes its Linkedid, and both transferer channels hang up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import channels as c
from .config import DOWN, RINGING, UP
from .fields import bridge_fields, channel_fields
from .model import Bridge, Channel
from .pbx import Pbx
from .reporting import cel


@dataclass(frozen=True)
class Handover:
    """Where the citizen's side went: the new party's channel and the bridge it shares with the transferee."""
    target: Channel
    bridge: Bridge


def _dial(pbx: Pbx, src: Channel, exten: str, owner: Any) -> Channel:
    """`Dial(PJSIP/<exten>)` from `src`, answered at once (the colleague picks up)."""
    context = pbx.config.agent_context
    c.newexten(pbx, src, "Dial", f"PJSIP/{exten},60", context=context, exten=exten, priority=1)
    target = c.new_channel(pbx, f"PJSIP/{exten}", state=DOWN, context=context, exten="s", linkedid=src.linkedid,
                           phone=True, owner=owner, caller=(src.caller_num, src.caller_name))
    c.dial_begin(pbx, src, target, exten)
    c.set_state(pbx, target, RINGING)
    c.dial_state(pbx, src, target, "RINGING")
    c.set_state(pbx, target, UP)
    c.dial_end(pbx, src, target, "ANSWER")
    return target


def blind(pbx: Pbx, transferer: Channel, transferee: Channel, bridge: Bridge, exten: str, owner: Any) -> Handover:
    pbx.emit("BlindTransfer", [("Result", "Success")] + channel_fields(transferer, "Transferer")
             + channel_fields(transferee, "Transferee") + bridge_fields(bridge)
             + [("IsExternal", "Yes"), ("Context", pbx.config.agent_context), ("Extension", exten)])
    cel(pbx, transferer, "BLINDTRANSFER", {"extension": exten, "context": pbx.config.agent_context,
                                           "bridge_id": bridge.uniqueid, "transferee_channel_name": transferee.name})
    c.hangup_request(pbx, transferer)
    for ch in (transferee, transferer):
        c.bridge_leave(pbx, bridge, ch)
    c.bridge_destroy(pbx, bridge)
    c.hangup(pbx, transferer)
    target = _dial(pbx, transferee, exten, owner)
    new = c.bridge_create(pbx)
    c.bridge_enter(pbx, new, transferee)
    c.bridge_enter(pbx, new, target)
    return Handover(target, new)


def attended(pbx: Pbx, transferer: Channel, transferee: Channel, bridge: Bridge, exten: str,
             owner: Any) -> Handover:
    c.moh_start(pbx, transferee)
    consult = c.new_channel(pbx, c.device_of(transferer.name), state=UP, context=pbx.config.agent_context,
                            exten=exten, phone=True, owner=owner)
    target = _dial(pbx, consult, exten, owner)
    second = c.bridge_create(pbx)
    c.bridge_enter(pbx, second, consult)
    c.bridge_enter(pbx, second, target)
    pbx.emit("AttendedTransfer", [("Result", "Success")] + channel_fields(transferer, "OrigTransferer")
             + bridge_fields(bridge, "Orig") + channel_fields(consult, "SecondTransferer")
             + bridge_fields(second, "Second") + [("DestType", "Bridge"), ("DestBridgeUniqueid", bridge.uniqueid)]
             + channel_fields(transferee, "Transferee") + channel_fields(target, "TransferTarget")
             + [("IsExternal", "No")])
    cel(pbx, transferer, "ATTENDEDTRANSFER", {"bridge1_id": bridge.uniqueid, "channel2_name": consult.name,
                                              "bridge2_id": second.uniqueid, "transferee_channel_name": transferee.name,
                                              "transfer_target_channel_name": target.name})
    c.bridge_leave(pbx, second, target)
    target.linkedid = transferee.linkedid  # bridged with the older call: its Linkedid now
    c.bridge_enter(pbx, bridge, target)
    c.bridge_leave(pbx, bridge, transferer)
    c.bridge_leave(pbx, second, consult)
    c.bridge_destroy(pbx, second)
    c.moh_stop(pbx, transferee)
    c.hangup(pbx, consult)
    c.hangup(pbx, transferer)
    return Handover(target, bridge)
