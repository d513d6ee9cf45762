"""Matching AMI answers to the actions waiting for them, by ActionID.

What Asterisk 20 sends for an action:
- a plain action: one `Response:` frame with our ActionID;
- a list action (CoreShowChannels, QueueStatus, …): `Response: Success` with `EventList: start`,
  then item events carrying the same ActionID, then a `…Complete` event (`EventList: Complete`);
- Originate (async): `Response: Success` now, and later an `OriginateResponse` *event* with the
  same ActionID. Events are only taken as list items once the action's response said a list
  follows, so OriginateResponse (and any other event with an ActionID) goes on to the sink.

An action that timed out is "abandoned": its late response, and late list items if it turned out
to be a list, are swallowed instead of leaking into the event stream as if they were live events.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

from telephony.ami.errors import AmiActionFailed, AmiError
from telephony.ami.protocol import AmiMessage

FAILED = frozenset({"Error", "Fail", "Failure"})
MAX_ABANDONED = 1000


def starts_list(response: AmiMessage) -> bool:
    return response.text("EventList").lower() == "start" or "will follow" in response.text("Message").lower()


def ends_list(event: AmiMessage) -> bool:
    return event.text("EventList").lower() == "complete" or event.text("Event").endswith("Complete")


@dataclass
class _Pending:
    name: str
    future: asyncio.Future[list[AmiMessage]]
    messages: list[AmiMessage] = field(default_factory=list)
    listing: bool = False


class PendingActions:
    """The actions of one link awaiting answers; the future resolves to [response, *items]."""

    def __init__(self) -> None:
        self._pending: dict[str, _Pending] = {}
        self._abandoned: OrderedDict[str, bool] = OrderedDict()  # action id → is a list

    def __len__(self) -> int:
        return len(self._pending)

    def begin(self, action_id: str, name: str) -> asyncio.Future[list[AmiMessage]]:
        if action_id in self._pending:
            raise ValueError(f"ActionID {action_id!r} 已在使用")
        future: asyncio.Future[list[AmiMessage]] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = _Pending(name, future)
        return future

    def route(self, message: AmiMessage) -> bool:
        """Take the message if it answers a pending (or abandoned) action; False = not ours."""
        action_id = message.get("ActionID")
        if not isinstance(action_id, str):
            return False
        pending = self._pending.get(action_id)
        if pending is None:
            return self._late(action_id, message)
        if "Event" in message:
            if not pending.listing:
                return False
            pending.messages.append(message)
            if ends_list(message):
                self._finish(action_id, pending)
            return True
        pending.messages.append(message)
        if message.text("Response") in FAILED:
            del self._pending[action_id]
            _fail(pending.future, AmiActionFailed(pending.name, message.text("Message")))
        elif starts_list(message):
            pending.listing = True
        else:
            self._finish(action_id, pending)
        return True

    def abandon(self, action_id: str) -> None:
        """The caller gave up (timeout, cancellation): remember the id to swallow late answers."""
        pending = self._pending.pop(action_id, None)
        if pending is None:
            return
        self._abandoned[action_id] = pending.listing
        while len(self._abandoned) > MAX_ABANDONED:
            self._abandoned.popitem(last=False)

    def fail_all(self, error: Callable[[str], AmiError]) -> int:
        """The connection is gone: every waiting action fails now and is never resent."""
        pending, self._pending = self._pending, {}
        self._abandoned.clear()
        for item in pending.values():
            _fail(item.future, error(item.name))
        return len(pending)

    def _finish(self, action_id: str, pending: _Pending) -> None:
        del self._pending[action_id]
        if not pending.future.done():
            pending.future.set_result(pending.messages)

    def _late(self, action_id: str, message: AmiMessage) -> bool:
        listing = self._abandoned.get(action_id)
        if listing is None:
            return False
        if "Event" in message:
            if not listing:
                return False  # e.g. OriginateResponse after a timed-out Originate: a real event
            if ends_list(message):
                del self._abandoned[action_id]
            return True
        if starts_list(message):
            self._abandoned[action_id] = True
        else:
            del self._abandoned[action_id]
        return True


def _fail(future: asyncio.Future[list[AmiMessage]], error: AmiError) -> None:
    if not future.done():
        future.set_exception(error)
