"""One AMI connection: banner, reading actions, the event mask, and the failure modes tests need.

Asterisk's session thread reads one action at a time and answers it before reading the next; events are
written whenever they happen. While the simulator is hung nothing is read or written (events queue up in
the session's backlog), and a connection accepted during the hang gets its banner only afterwards.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from .config import BANNER
from .fields import CATEGORIES
from .host import SimHost
from .protocol import Message, encode, parse_line

ALL = frozenset(CATEGORIES)
MAX_UNSENT = 32 << 20  # bytes queued for a client that does not read
TRUE_WORDS = ("yes", "true", "y", "t", "1", "on")
FALSE_WORDS = ("no", "false", "n", "f", "0", "off")


def event_mask(text: str) -> frozenset[str] | None:
    """strings_to_mask(): `on`/`off`, a number (bit mask) or a list like `call,agent`; None if empty."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        bits = int(text)
        return frozenset(cat for i, cat in enumerate(CATEGORIES) if bits & (1 << i))
    if text.lower() in FALSE_WORDS:
        return frozenset()
    if text.lower() in TRUE_WORDS:
        return ALL
    words = {w.strip().lower() for w in text.split(",")}
    return ALL if "all" in words else frozenset(w for w in words if w in ALL)


class AmiSession:
    """`dispatch` answers one action (actions.dispatch); False closes the connection."""

    def __init__(self, sim: SimHost, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 dispatch: Callable[["AmiSession", Message], Awaitable[bool]]) -> None:
        self.sim = sim
        self._dispatch = dispatch
        self.reader = reader
        self.writer = writer
        self.authenticated = False
        self.username = ""
        self.challenge = ""
        self.mask: frozenset[str] = frozenset()
        self.backlog: list[bytes] = []
        self.closed = False
        self._auth_timer: asyncio.TimerHandle | None = None

    # -- lifecycle ------------------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            await self.sim.gate.wait()
            self.write(BANNER)
            loop = asyncio.get_running_loop()
            self._auth_timer = loop.call_later(self.sim.config.auth_timeout, self._auth_expired)
            while not self.closed:
                msg = await self._read_message()
                if msg is None:
                    break
                await self.sim.gate.wait()
                if not await self._dispatch(self, msg):
                    break
        except (ConnectionError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            self.close()

    async def _read_message(self) -> Message | None:
        headers: list[tuple[str, str]] = []
        while True:
            await self.sim.gate.wait()
            line = await self.reader.readline()
            if not line or self.closed:
                return None
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if not text:
                return Message(headers)
            parsed = parse_line(text)
            if parsed is not None:
                headers.append(parsed)

    def _auth_expired(self) -> None:
        if not self.authenticated:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.sim.bus.sessions.discard(self)
        self.sim.sessions.discard(self)
        if self._auth_timer is not None:
            self._auth_timer.cancel()
        try:
            self.writer.close()
        except RuntimeError:
            pass

    def abort(self, partial: bytes | None = None) -> None:
        """Cut the connection: reset at once, or after a last piece of a frame (then FIN)."""
        if self.closed:
            return
        if partial is not None:
            self.writer.write(partial)
            self.close()
            return
        self.closed = True
        self.sim.bus.sessions.discard(self)
        self.sim.sessions.discard(self)
        self.writer.transport.abort()

    # -- output ---------------------------------------------------------------------------------------
    def login(self, username: str, events: str = "") -> None:
        self.authenticated = True
        self.username = username
        self.mask = ALL if not events else (event_mask(events) or frozenset())
        if self._auth_timer is not None:
            self._auth_timer.cancel()
        self.sim.bus.sessions.add(self)

    def deliver(self, category: str, data: bytes) -> None:
        if self.closed or not self.authenticated:
            return
        if category and category not in self.mask:
            return
        self.write(data)

    def send(self, fields: list[tuple[str, str]]) -> None:
        self.write(encode(fields))

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        if not self.sim.gate.is_set():
            if len(self.backlog) < self.sim.config.backlog_limit:
                self.backlog.append(data)
            return
        self.writer.write(data)
        if self.writer.transport.get_write_buffer_size() > MAX_UNSENT:
            self.abort()  # a client that stopped reading: Asterisk gives up on the session too

    def flush(self) -> None:
        """After a hang: write what queued up meanwhile, in order."""
        pending, self.backlog = self.backlog, []
        if pending and not self.closed:
            self.writer.write(b"".join(pending))
