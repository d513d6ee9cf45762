"""What the platform asks the PBX to do: queue log-in/out and pause, click-to-call, ChanSpy, hang-up.

Users are tied to their desk phone by `users.phone_ext`; the phone is `<technology>/<ext>`, and so is the
queue member unless `member_interface` names another (FreePBX, Issabel: `Local/{ext}@from-queue/n`, whose
device state is the phone's).
Every call the platform starts carries HOTLINE_* channel variables, so its call record links back.
"""
from __future__ import annotations

import re
from enum import Enum

from typing import Awaitable, TypeVar

from casework.errors import Invalid, Unavailable
from config.settings import PbxSettings
from telephony.ami import AmiError, AmiLink

DIALABLE = re.compile(r"^\+?[0-9]{3,20}$")
T = TypeVar("T")


async def _pbx(work: Awaitable[T]) -> T:
    """PBX failures reach users as a 503 with the link's own Chinese explanation."""
    try:
        return await work
    except AmiError as exc:
        raise Unavailable(str(exc), code="pbx_unavailable") from exc


class SpyMode(str, Enum):
    """ChanSpy options: q quiet; w whisper to the agent; B barge (talk to both)."""
    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"


SPY_OPTIONS = {SpyMode.LISTEN: "q", SpyMode.WHISPER: "qw", SpyMode.BARGE: "qB"}


class TelephonyActions:
    def __init__(self, link: AmiLink | None, settings: PbxSettings) -> None:
        self.link, self.settings = link, settings

    def _link(self) -> AmiLink:
        if self.link is None or not self.link.state.up:
            raise Unavailable("PBX 未连接，暂时无法操作话机", code="pbx_down")
        return self.link

    def phone(self, phone_ext: str) -> str:
        if not phone_ext or not phone_ext.isdigit():
            raise Invalid("您的账号没有绑定分机号，请联系管理员", code="no_phone_ext", fields={"phone_ext": "未绑定分机"})
        return f"{self.settings.phone_technology}/{phone_ext}"

    def interface(self, phone_ext: str) -> str:
        """The queue member standing for the agent at this extension."""
        phone, template = self.phone(phone_ext), self.settings.member_interface
        return template.format(ext=phone_ext) if template else phone

    async def log_in(self, phone_ext: str, member_name: str) -> None:
        member, phone = self.interface(phone_ext), self.phone(phone_ext)
        state = phone if member != phone else None
        for queue in self.settings.queues:
            await _pbx(self._link().queue_add(queue, member, member_name=member_name, state_interface=state))

    async def log_out(self, phone_ext: str) -> None:
        for queue in self.settings.queues:
            await _pbx(self._link().queue_remove(queue, self.interface(phone_ext)))

    async def pause(self, phone_ext: str, paused: bool, reason: str = "") -> None:
        await _pbx(self._link().queue_pause(self.interface(phone_ext), paused, reason=reason or None))

    async def call(self, phone_ext: str, number: str, *, case_id: int | None = None) -> str:
        """Click-to-call: ring the agent's phone, then dial the citizen; the record links to the case."""
        digits = re.sub(r"[\s-]", "", number)
        if not DIALABLE.match(digits):
            raise Invalid(fields={"number": "号码格式不正确"})
        variables = {"HOTLINE_PURPOSE": "callback"}
        if case_id is not None:
            variables["HOTLINE_CASE_ID"] = str(case_id)
        return await _pbx(self._link().originate(self.phone(phone_ext), exten=digits,
                                                 context=self.settings.outbound_context,
                                                 caller_id="12345 <12345>", variables=variables))

    async def spy(self, supervisor_ext: str, agent_channel: str, mode: SpyMode) -> str:
        """Listen, whisper or barge: the supervisor's phone rings and then joins the agent's channel."""
        if not agent_channel:
            raise Invalid(fields={"channel": "该坐席当前没有通话"})
        return await _pbx(self._link().originate(self.phone(supervisor_ext), application="ChanSpy",
                                                 data=f"{agent_channel},{SPY_OPTIONS[mode]}",
                                                 variables={"HOTLINE_PURPOSE": "spy"}))

    async def hang_up(self, channel: str) -> None:
        await _pbx(self._link().hangup(channel))
