"""The handful of AMI actions the platform sends, with Asterisk 20's field names in one place.

Each helper is a thin wrapper over `AmiLink.action()`, so every one of them inherits its timeout,
its typed errors and its never-resend rule.
"""
from __future__ import annotations

import time
from typing import Mapping

from telephony.ami.protocol import ActionValue, AmiMessage


def _flag(value: bool) -> str:
    return "true" if value else "false"


class AmiCommands:
    """Mixed into AmiLink; needs only `action()` and `new_action_id()`."""

    async def action(self, fields: Mapping[str, ActionValue], timeout: float | None = None) -> list[AmiMessage]:
        raise NotImplementedError

    def new_action_id(self) -> str:
        raise NotImplementedError

    async def originate(self, channel: str, *, exten: str | None = None, context: str | None = None,
                        priority: int = 1, application: str | None = None, data: str | None = None,
                        caller_id: str | None = None, variables: Mapping[str, str] | None = None,
                        ring_timeout_ms: int = 30000, account: str | None = None,
                        action_id: str | None = None, timeout: float | None = None) -> str:
        """Start a call (call-back, ChanSpy) and return its ActionID once Asterisk has queued it.

        `Async: true`: the immediate answer only says the call was queued; the outcome arrives
        later as an `OriginateResponse` event with the same ActionID, through the sink like any
        other event. The action is sent exactly once: after a timeout or a dropped link the
        error says so, and whoever asked must check before dialling again.
        """
        if (exten is None) == (application is None):
            raise ValueError("Originate 需要 exten（拨号计划）或 application（应用）二者之一")
        fields: dict[str, ActionValue] = {
            "Action": "Originate", "ActionID": action_id or self.new_action_id(), "Channel": channel,
            "Timeout": str(ring_timeout_ms), "Async": "true"}
        if exten is not None:
            fields.update(Exten=exten, Context=context or "default", Priority=str(priority))
        else:
            fields.update(Application=application or "", Data=data or "")
        optional = {"CallerID": caller_id, "Account": account}
        fields.update({k: v for k, v in optional.items() if v is not None})
        if variables:
            fields["Variable"] = [f"{name}={value}" for name, value in variables.items()]
        await self.action(fields, timeout)
        return str(fields["ActionID"])

    async def queue_add(self, queue: str, interface: str, *, member_name: str | None = None,
                        state_interface: str | None = None, penalty: int | None = None,
                        paused: bool = False, reason: str | None = None) -> None:
        """Agent log-in: add the agent's phone to a queue."""
        fields: dict[str, ActionValue] = {"Action": "QueueAdd", "Queue": queue, "Interface": interface,
                                          "Paused": _flag(paused)}
        optional = {"MemberName": member_name, "StateInterface": state_interface,
                    "Penalty": None if penalty is None else str(penalty), "Reason": reason}
        fields.update({k: v for k, v in optional.items() if v is not None})
        await self.action(fields)

    async def queue_remove(self, queue: str, interface: str) -> None:
        """Agent log-out from one queue."""
        await self.action({"Action": "QueueRemove", "Queue": queue, "Interface": interface})

    async def queue_pause(self, interface: str, paused: bool, *, queue: str | None = None,
                          reason: str | None = None) -> None:
        """Pause (小休, with a reason) or resume; without `queue`, in every queue of the member."""
        fields: dict[str, ActionValue] = {"Action": "QueuePause", "Interface": interface, "Paused": _flag(paused)}
        if queue is not None:
            fields["Queue"] = queue
        if reason is not None:
            fields["Reason"] = reason
        await self.action(fields)

    async def hangup(self, channel: str, *, cause: int | None = None) -> None:
        fields: dict[str, ActionValue] = {"Action": "Hangup", "Channel": channel}
        if cause is not None:
            fields["Cause"] = str(cause)
        await self.action(fields)

    async def ping(self, timeout: float | None = None) -> float:
        """Round trip to the PBX in seconds (the watchdog pings on its own; this is for health checks)."""
        started = time.monotonic()
        await self.action({"Action": "Ping"}, timeout)
        return time.monotonic() - started
