"""The queue member's side of a call, as Asterisk 20 builds it for either kind of member interface.

`PJSIP/8001`: the queue dials the phone itself. `Local/8001@agents/n` (FreePBX's and Issabel's
default): the queue dials a Local pair; its ;1 faces the caller, its ;2 runs `[agents] 8001` and dials
the phone, and the two halves stay in the media path (`/n`), bridged by chan_local (LocalBridge).
"""
from __future__ import annotations

from typing import Any

from . import channels as c
from .config import DOWN, RINGING, UP
from .fields import channel_fields
from .model import Bridge, Channel, Member
from .pbx import Pbx


class PhoneLeg:
    """The queue dials the member's phone: `facing` (what the queue sees) is the phone. After a SIP
    member's transfer the colleague's phone channel takes its place."""

    def __init__(self, pbx: Pbx, member: Member, phone: Channel) -> None:
        self.pbx, self.member = pbx, member
        self.facing = self.phone = phone

    @classmethod
    def request(cls, pbx: Pbx, member: Member, linkedid: str, owner: Any) -> "PhoneLeg":
        return cls(pbx, member, c.new_channel(pbx, member.interface, state=DOWN, context=pbx.config.agent_context,
                                              exten="s", linkedid=linkedid, phone=True, owner=owner))

    @property
    def channels(self) -> tuple[Channel, ...]:
        return (self.facing,)

    @property
    def inner(self) -> Channel:
        """The channel that is bridged with the agent's phone (and so transferred by it)."""
        return self.facing

    def ring(self) -> None:
        c.set_state(self.pbx, self.phone, RINGING)

    def answer(self) -> None:
        c.set_state(self.pbx, self.phone, UP)

    def reject(self, cause: int) -> None:
        c.hangup_request(self.pbx, self.phone, soft=True, cause=cause)

    def phone_hangs_up(self, soft: bool) -> None:
        c.hangup_request(self.pbx, self.phone, soft=soft)

    def hang_up(self, cause: int = 16) -> None:
        c.hangup(self.pbx, self.phone, cause)


class LocalLeg:
    """A Local member: ;1 faces the queue, ;2 dials the phone and is bridged with it once answered."""

    def __init__(self, pbx: Pbx, member: Member, linkedid: str, owner: Any) -> None:
        self.pbx, self.member = pbx, member
        self.exten, _, rest = member.interface.split("/", 1)[1].partition("@")
        self.context = rest.split("/", 1)[0]
        self.facing, self.inner = c.new_local_pair(pbx, f"Local/{self.exten}@{self.context}", linkedid=linkedid,
                                                   owner=owner)
        self.phone: Channel | None = None
        self.bridge: Bridge | None = None

    @property
    def channels(self) -> tuple[Channel, ...]:
        return tuple(ch for ch in (self.facing, self.inner, self.phone) if ch is not None)

    def ring(self) -> None:
        pbx, two = self.pbx, self.inner
        pbx.emit("LocalBridge", channel_fields(self.facing, "LocalOne") + channel_fields(two, "LocalTwo") + [
            ("Context", self.context), ("Exten", self.exten), ("LocalOptimization", "No")])
        device = self.member.state_interface
        if device.lower().startswith("local/"):  # no StateInterface given: the phone of the extension
            device = f"PJSIP/{self.exten}"
        c.newexten(pbx, two, "Dial", f"{device},,tr", priority=1)
        self.phone = c.new_channel(pbx, device, state=DOWN, context=pbx.config.agent_context, exten="s",
                                   linkedid=two.linkedid, phone=True, owner=two.owner,
                                   caller=(two.caller_num, two.caller_name))
        c.dial_begin(pbx, two, self.phone, device.split("/", 1)[-1])
        c.set_state(pbx, self.phone, RINGING)
        c.dial_state(pbx, two, self.phone, "RINGING")
        c.set_state(pbx, self.facing, RINGING)

    def answer(self) -> None:
        pbx, two, phone = self.pbx, self.inner, self.phone
        assert phone is not None
        c.set_state(pbx, phone, UP)
        c.dial_end(pbx, two, phone, "ANSWER")
        c.set_state(pbx, two, UP)
        self.bridge = c.bridge_create(pbx)
        c.bridge_enter(pbx, self.bridge, two)
        c.bridge_enter(pbx, self.bridge, phone)
        c.set_state(pbx, self.facing, UP)

    def reject(self, cause: int) -> None:
        assert self.phone is not None
        c.hangup_request(self.pbx, self.phone, soft=True, cause=cause)
        c.dial_end(self.pbx, self.inner, self.phone, "BUSY")
        c.hangup(self.pbx, self.phone, cause)

    def phone_hangs_up(self, soft: bool) -> None:
        """The agent hangs up: the phone goes, then ;2's Dial ends, and chan_local hangs up ;1 too."""
        assert self.phone is not None
        c.hangup_request(self.pbx, self.phone, soft=soft)
        self._inner_gone(16)
        c.hangup_request(self.pbx, self.facing)

    def hang_up(self, cause: int = 16) -> None:
        """;1 hangs up (the caller left, or the ring ended): chan_local queues the hang-up on ;2."""
        c.hangup(self.pbx, self.facing, cause)
        if self.inner.name in self.pbx.channels:
            c.hangup_request(self.pbx, self.inner, cause=cause)
            self._inner_gone(cause)

    def _inner_gone(self, cause: int) -> None:
        pbx, phone = self.pbx, self.phone
        if self.bridge is not None:
            for ch in list(self.bridge.channels):
                c.bridge_leave(pbx, self.bridge, ch)
            c.bridge_destroy(pbx, self.bridge)
            self.bridge = None
        elif phone is not None and phone.name in pbx.channels:
            c.dial_end(pbx, self.inner, phone, "CANCEL")
        if phone is not None:
            c.hangup(pbx, phone, cause if phone.state == UP else 0)
        c.hangup(pbx, self.inner, cause)


MemberLeg = PhoneLeg | LocalLeg


def member_leg(pbx: Pbx, member: Member, linkedid: str, owner: Any) -> MemberLeg:
    if member.interface.lower().startswith("local/"):
        return LocalLeg(pbx, member, linkedid, owner)
    return PhoneLeg.request(pbx, member, linkedid, owner)
