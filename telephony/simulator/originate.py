"""Originate: click-to-call (the agent's phone, then the citizen through the trunk) and ChanSpy.

Asterisk 20's fast_originate(): the first channel is requested and rung; when it answers (or fails) an
OriginateResponse event with the action's ActionID is raised; then the dialplan (or application) runs.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from . import channels as c
from .config import DOWN, RINGING, UP
from .dialplan import inherited, pvt_call_id, rtp_qos
from .fields import channel_fields
from .model import Channel
from .pbx import Pbx
from .scenario import Scenario

REASON_FAILED, REASON_HANGUP, REASON_TIMEOUT, REASON_ANSWERED = 0, 1, 3, 4


@dataclass(frozen=True)
class OriginateRequest:
    channel: str                      # PJSIP/8001
    context: str = ""
    exten: str = ""
    priority: int = 1
    application: str = ""
    data: str = ""
    caller_id: tuple[str, str] = ("", "")   # (number, name)
    variables: tuple[tuple[str, str], ...] = ()
    timeout: float = 30.0             # simulated seconds the phone may ring
    action_id: str = ""
    account: str = ""
    asynchronous: bool = True         # only an async Originate raises OriginateResponse


class OriginateCall(Scenario):
    def __init__(self, pbx: Pbx, req: OriginateRequest) -> None:
        super().__init__(pbx)
        self.req = req
        self.result: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.phone: Channel | None = None
        self.far: Channel | None = None

    def begin(self) -> None:
        self.pbx.spawn(self._run())

    async def _run(self) -> None:
        try:
            phone = await self._ring_phone()
            if phone is None:
                return
            if self.req.application:
                await self._run_application(phone)
            else:
                await self._dial_out(phone)
        finally:
            if not self.result.done():
                self.result.set_result(False)
            if self.phone is not None:
                self.pbx.calls.pop(self.phone.linkedid, None)
            self.done.set()

    # -- the first leg --------------------------------------------------------------------------------
    def _is_phone(self) -> bool:
        return self.req.channel.split("/", 1)[0].upper() in ("PJSIP", "SIP")

    async def _ring_phone(self) -> Channel | None:
        pbx, req = self.pbx, self.req
        device = req.channel.split(";")[0]
        if self._is_phone() and device in pbx.unregistered:
            self._respond(None, REASON_FAILED)
            return None
        phone = c.new_channel(pbx, req.channel, state=DOWN, context=req.context or "default", exten="s",
                              phone=self._is_phone(), owner=self)
        self.phone = phone
        pbx.calls[phone.linkedid] = self
        phone.accountcode = req.account
        c.set_vars(pbx, phone, req.variables)
        if req.caller_id != ("", ""):
            c.set_callerid(pbx, phone, *req.caller_id)
            c.set_connected(pbx, phone, *req.caller_id)
        c.set_state(pbx, phone, RINGING)
        answers = device not in pbx.no_answer
        ring = pbx.config.phone_answer_after if answers else req.timeout
        if await self._pause(min(ring, req.timeout)) or not answers:
            hung = self._take_request()
            if hung:
                c.hangup_request(pbx, phone, soft=True, cause=hung[1])
            c.hangup(pbx, phone, 16 if hung else 19)
            self._respond(phone, REASON_HANGUP if hung else REASON_TIMEOUT, failed=True)
            return None
        c.set_state(pbx, phone, UP)
        self._respond(phone, REASON_ANSWERED)
        return phone

    def _respond(self, phone: Channel | None, reason: int, failed: bool = False) -> None:
        req = self.req
        ok = phone is not None and not failed
        fields = [("ActionID", req.action_id)] if req.action_id else []
        fields += [("Response", "Success" if ok else "Failure"),
                   ("Channel", phone.name if ok and phone else req.channel)]
        if req.application:
            fields += [("Application", req.application), ("Data", req.data)]
        else:
            fields += [("Context", req.context), ("Exten", req.exten)]
        fields += [("Reason", str(reason)), ("Uniqueid", phone.uniqueid if ok and phone else "<null>"),
                   ("CallerIDNum", req.caller_id[0] or "<unknown>"), ("CallerIDName", req.caller_id[1] or "<unknown>")]
        if req.asynchronous:
            self.pbx.emit("OriginateResponse", fields)
        if not self.result.done():
            self.result.set_result(ok)

    # -- click-to-call --------------------------------------------------------------------------------
    async def _dial_out(self, phone: Channel) -> None:
        pbx, req, cfg = self.pbx, self.req, self.pbx.config
        dialstring = f"{req.exten}@{cfg.trunk}"
        c.newexten(pbx, phone, "Dial", f"PJSIP/{dialstring},60", context=req.context, exten=req.exten,
                   priority=req.priority)
        far = c.new_channel(pbx, f"PJSIP/{cfg.trunk}", state=DOWN, context=cfg.inbound_context, exten="s",
                            linkedid=phone.linkedid, owner=self)
        self.far = far
        c.set_vars(pbx, far, inherited(phone.variables))
        c.set_callerid(pbx, far, phone.caller_num, phone.caller_name)
        far.connected_num = req.exten
        c.dial_begin(pbx, phone, far, dialstring)
        c.set_state(pbx, far, RINGING)
        c.dial_state(pbx, phone, far, "RINGING")
        started = pbx.now()
        if await self._pause(cfg.callee_answer_after):
            return self._cancel_dial(phone, far)
        c.set_state(pbx, far, UP)
        c.dial_end(pbx, phone, far, "ANSWER")
        c.set_connected(pbx, phone, req.exten, "")
        c.set_vars(pbx, phone, [("DIALEDPEERNUMBER", dialstring), ("DIALEDPEERNAME", far.name)])
        await self._talk_and_end(phone, far, started)

    def _cancel_dial(self, phone: Channel, far: Channel) -> None:
        pbx = self.pbx
        req = self._take_request()
        hung = req[0] if req else phone
        c.hangup_request(pbx, hung, soft=True)
        c.dial_end(pbx, phone, far, "CANCEL" if hung is phone else "NOANSWER")
        c.hangup(pbx, far, 0 if hung is phone else 16)
        c.set_var(pbx, phone, "DIALSTATUS", "CANCEL" if hung is phone else "NOANSWER")
        c.hangup(pbx, phone, 16)

    async def _talk_and_end(self, phone: Channel, far: Channel, started: float) -> None:
        pbx = self.pbx
        br = c.bridge_create(pbx)
        c.bridge_enter(pbx, br, phone)
        c.bridge_enter(pbx, br, far)
        for ch, peer in ((phone, far), (far, phone)):
            c.set_var(pbx, ch, "BRIDGEPEER", peer.name)
            c.set_var(pbx, ch, "BRIDGEPVTCALLID", pvt_call_id(pbx.rng))
        answered = pbx.now()
        soft = await self._pause(pbx.config.originate_talk_seconds)
        req = self._take_request() if soft else None
        first = req[0] if req else far
        other = phone if first is far else far
        talk = pbx.now() - answered
        c.hangup_request(pbx, first, soft=soft)
        c.set_vars(pbx, first, rtp_qos(pbx.rng, talk, False))
        c.set_vars(pbx, other, rtp_qos(pbx.rng, talk, True))
        c.bridge_leave(pbx, br, first)
        c.bridge_leave(pbx, br, other)
        c.bridge_destroy(pbx, br)
        c.hangup(pbx, far, 16)
        c.set_vars(pbx, phone, [("DIALSTATUS", "ANSWER"), ("ANSWEREDTIME", str(int(talk))),
                                ("DIALEDTIME", str(int(pbx.now() - started)))])
        c.hangup(pbx, phone, 16)

    # -- ChanSpy --------------------------------------------------------------------------------------
    async def _run_application(self, phone: Channel) -> None:
        pbx, req = self.pbx, self.req
        c.newexten(pbx, phone, req.application, req.data, context=req.context or "default",
                   exten=req.exten or "s", priority=1)
        if req.application.lower() != "chanspy":
            await self._pause(pbx.config.originate_talk_seconds)
        else:
            await self._spy(phone)
        req_hung = self._take_request()
        if req_hung is not None:
            c.hangup_request(pbx, phone, soft=True, cause=req_hung[1])
        c.hangup(pbx, phone, 16)

    def _find_spyee(self, phone: Channel) -> Channel | None:
        prefix = self.req.data.split(",", 1)[0].strip()
        matches = [ch for ch in self.pbx.channels.values()
                   if ch is not phone and prefix and ch.name.lower().startswith(prefix.lower())]
        matches.sort(key=lambda ch: (not ch.bridge_id, ch.created))
        return matches[0] if matches else None

    async def _spy(self, phone: Channel) -> None:
        pbx = self.pbx
        waited = 0.0
        spyee = self._find_spyee(phone)
        while spyee is None and waited < pbx.config.originate_talk_seconds:
            if await self._pause(1.0):
                return
            waited += 1.0
            spyee = self._find_spyee(phone)
        if spyee is None:
            return
        phone.app_data = self.req.data
        pbx.emit("ChanSpyStart", channel_fields(phone, "Spyer") + channel_fields(spyee, "Spyee"))
        while spyee.name in pbx.channels and not self._requests:
            await self._pause(1.0)
        stop = channel_fields(phone, "Spyer")
        if spyee.name in pbx.channels:
            stop += channel_fields(spyee, "Spyee")
        pbx.emit("ChanSpyStop", stop)
