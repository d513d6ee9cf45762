"""The citizen's side of an inbound call: a trunk channel, or a Local pair someone originated.

Test callers on a real PBX often enter through `Originate Local/12345@from-citizen` (Context default,
Exten s): ;2 runs the hotline dialplan and waits in the queue, ;1 faces the originator. When ;2 answers,
;1 is up and the originator's AMI session, like every other, gets OriginateResponse.
"""
from __future__ import annotations

from typing import Any

from . import channels as c
from .config import RING, UP
from .dialplan import inbound_steps
from .fields import channel_fields
from .model import Channel
from .pbx import Pbx

CITIZEN_CONTEXT = "from-citizen"


class Citizen:
    def __init__(self, pbx: Pbx, number: str, owner: Any, via_local: bool) -> None:
        self.pbx = pbx
        cfg = pbx.config
        self.outer: Channel | None = None
        if via_local:
            self.context = CITIZEN_CONTEXT
            self.outer, self.channel = c.new_local_pair(pbx, f"Local/{cfg.hotline_number}@{CITIZEN_CONTEXT}",
                                                        owner=owner, caller=(number, ""))
            pbx.emit("LocalBridge", channel_fields(self.outer, "LocalOne") + channel_fields(self.channel, "LocalTwo")
                     + [("Context", CITIZEN_CONTEXT), ("Exten", cfg.hotline_number), ("LocalOptimization", "No")])
        else:
            self.context = cfg.inbound_context
            self.channel = c.new_channel(pbx, f"PJSIP/{cfg.trunk}", state=RING, context=cfg.inbound_context,
                                         exten=cfg.hotline_number, caller=(number, ""), owner=owner)

    @property
    def channels(self) -> tuple[Channel, ...]:
        return tuple(ch for ch in (self.outer, self.channel) if ch is not None)

    def answered(self) -> None:
        """Answer() in the dialplan; a Local pair's ;1 is up with it, and the originate succeeds."""
        pbx, outer = self.pbx, self.outer
        c.set_state(pbx, self.channel, UP)
        if outer is None:
            return
        c.set_state(pbx, outer, UP)
        pbx.emit("OriginateResponse", [
            ("ActionID", f"citizen-{outer.uniqueid}"), ("Response", "Success"), ("Channel", outer.name),
            ("Context", "default"), ("Exten", "s"), ("Reason", "4"), ("Uniqueid", outer.uniqueid),
            ("CallerIDNum", outer.caller_num or "<unknown>"), ("CallerIDName", "<unknown>")])
        c.newexten(pbx, outer, "Wait", "3600", context="default", exten="s", priority=1)

    def hangs_up(self, soft: bool = False, cause: int = 16, channel: Channel | None = None) -> None:
        """The citizen (or a Hangup action on one of the citizen's channels) ends the call."""
        pbx, outer = self.pbx, self.outer
        if outer is None or channel is self.channel:
            c.hangup_request(pbx, self.channel, soft=soft, cause=cause)
            return
        c.hangup_request(pbx, outer, soft=soft, cause=cause)
        c.hangup(pbx, outer, cause)
        c.hangup_request(pbx, self.channel, cause=cause)  # chan_local queues the hang-up on ;2

    def gone(self, cause: int = 16) -> None:
        c.hangup(self.pbx, self.channel, cause)
        if self.outer is not None and self.outer.name in self.pbx.channels:
            c.hangup_request(self.pbx, self.outer, cause=cause)
            c.hangup(self.pbx, self.outer, cause)

    def run_dialplan(self, name: str, queue: str, monitor_dir: str, timeout: int) -> None:
        """The hotline's extension up to and including Queue(), one Newexten (and VarSet) a priority."""
        pbx, ch, cfg = self.pbx, self.channel, self.pbx.config
        steps = inbound_steps(number=ch.caller_num, name=name, queue=queue, channel=ch.name, uniqueid=ch.uniqueid,
                              now=pbx.now(), monitor_dir=monitor_dir, timeout=timeout, hotline=cfg.hotline_number)
        priority = 0
        for step in steps:
            if step.app and step.context:
                c.newexten(pbx, ch, step.app, step.data, priority=step.priority, context=step.context, exten="s")
            elif step.app:
                priority += 1
                c.newexten(pbx, ch, step.app, step.data, priority=priority, context=self.context,
                           exten=cfg.hotline_number)
            if step.variable:
                c.set_var(pbx, ch, *step.variable)
            elif step.data.startswith("CALLERID(name)"):
                c.set_callerid(pbx, ch, ch.caller_num, name)
            elif step.data.startswith("CHANNEL(language)"):
                ch.language = "zh"
            elif step.app == "Answer":
                self.answered()
