"""A small fake Asterisk that can misbehave on demand, and helpers for the AMI link tests."""
from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from typing import Awaitable, Callable
from zoneinfo import ZoneInfo

import pytest

from casework.clock import ManualClock
from config.settings import PbxSettings
from telephony.ami import (AmiLink, AmiMessage, SinkItem)
from telephony.events import LinkStateChanged

CHALLENGE = "840823932"
LISTS = {"CoreShowChannels": [("CoreShowChannel", "Channel: PJSIP/trunk-00000001\r\nCallerIDName: 王五")],
         "QueueStatus": [("QueueParams", "Queue: hotline"), ("QueueMember", "Queue: hotline\r\nName: 张三")]}
REPLIES = {"Challenge": f"Challenge: {CHALLENGE}", "Ping": "Ping: Pong", **dict.fromkeys(
    ("QueueAdd", "QueueRemove", "QueuePause", "Hangup", "Status"), "Message: OK")}
Hook = Callable[[asyncio.StreamWriter, dict[str, str]], Awaitable[None]]


def frame(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def event(name: str, n: int | None = None, **extra: str) -> bytes:
    fields = [f"Event: {name}"] + ([f"Seq: {n}"] if n is not None else [])
    return frame(*fields, *(f"{k}: {v}" for k, v in extra.items()))


class FakeAmi:
    """Answers like Asterisk 20 (banner, Challenge/Login, Ping, lists, Originate, errors)."""

    def __init__(self) -> None:
        self.secret, self.accept_login = "s3cret", True
        self.muted: set[asyncio.StreamWriter] = set()  # hung: socket open, nothing answered
        self.swallow: set[str] = set()  # actions never answered
        self.hooks: dict[str, Hook] = {}
        self.actions: list[dict[str, str]] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.connect_times: list[float] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self, port: int = 0) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        await self.server.wait_closed()

    def count(self, action: str) -> int:
        return sum(1 for a in self.actions if a.get("Action") == action)

    async def send(self, *chunks: bytes, pause: float = 0.0) -> None:
        writer = self.writers[-1]
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(pause)

    def drop(self) -> None:
        self.writers[-1].transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        self.connect_times.append(asyncio.get_running_loop().time())
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        try:
            while True:
                raw = (await reader.readuntil(b"\r\n\r\n")).decode()
                fields = dict(line.split(": ", 1) for line in raw.strip().split("\r\n"))
                self.actions.append(fields)
                if writer not in self.muted and fields["Action"] not in self.swallow:
                    await self._answer(writer, fields)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.transport.abort()

    async def _answer(self, writer: asyncio.StreamWriter, f: dict[str, str]) -> None:
        name, aid = f["Action"], f"ActionID: {f.get('ActionID', '')}"
        ok, key = f"Response: Success\r\n{aid}", hashlib.md5((CHALLENGE + self.secret).encode()).hexdigest()
        if name in self.hooks:
            await self.hooks[name](writer, f)
        elif name == "Login" and self.accept_login and (f.get("Key") == key or f.get("Secret") == self.secret):
            writer.write(frame(ok, "Message: Authentication accepted") + event("FullyBooted", Status="Fully Booted"))
        elif name == "Login":
            writer.write(frame(f"Response: Error\r\n{aid}", "Message: Authentication failed"))
            await writer.drain()
            writer.transport.abort()
        elif name in LISTS:
            body = b"".join(frame(f"Event: {e}", aid, extra) for e, extra in LISTS[name])
            writer.write(frame(ok, "EventList: start", "Message: will follow") + body
                         + frame(f"Event: {name}Complete", aid, "EventList: Complete",
                                 f"ListItems: {len(LISTS[name])}"))
        elif name == "Originate":
            writer.write(frame(ok, "Message: Originate successfully queued")
                         + frame("Event: OriginateResponse", aid, "Response: Success", f"Channel: {f['Channel']}"))
        elif name in REPLIES:
            writer.write(frame(ok, REPLIES[name]))
        else:
            writer.write(frame(f"Response: Error\r\n{aid}", "Message: Invalid/unknown command"))


@pytest.fixture
async def fake():
    server = FakeAmi()
    await server.start()
    yield server
    await server.stop()


def pbx(port: int, **overrides: float) -> PbxSettings:
    values = dict(ping_interval=0.1, ping_timeout=0.1, action_timeout=0.5, reconnect_min=0.02, reconnect_max=0.1)
    return PbxSettings(host="127.0.0.1", port=port, username="hotline", secret="s3cret",
                       **(values | overrides))  # type: ignore[arg-type]


@pytest.fixture
async def make_link():
    links: list[AmiLink] = []

    async def make(port: int, sink: asyncio.Queue[SinkItem] | None = None, settings: PbxSettings | None = None,
                   **options: object) -> tuple[AmiLink, asyncio.Queue[SinkItem]]:
        sink = sink if sink is not None else asyncio.Queue(1000)
        clock = ManualClock(datetime(2026, 9, 28, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
        link = AmiLink(settings or pbx(port), sink, clock, **options)  # type: ignore[arg-type]
        links.append(link)
        await link.start()
        return link, sink
    yield make
    for link in links:
        await link.close()


def name(item: SinkItem) -> str:
    if isinstance(item, LinkStateChanged):
        return "LinkUp" if item.up else "LinkDown"
    return item.text("Event")


async def take(sink: asyncio.Queue[SinkItem], until: str, timeout: float = 3.0) -> list[SinkItem]:
    """Everything from the sink up to and including the first item named `until`."""
    out: list[SinkItem] = []
    async with asyncio.timeout(timeout):
        while not out or name(out[-1]) != until:
            out.append(await sink.get())
    return out


async def ready(make_link, fake: FakeAmi, **options: object) -> tuple[AmiLink, asyncio.Queue[SinkItem]]:
    link, sink = await make_link(fake.port, **options)
    await take(sink, "FullyBooted")  # the fake's live event after login, held until the resync is in
    return link, sink


def seqs(items: list[SinkItem]) -> list[int]:
    return [int(i.text("Seq")) for i in items if isinstance(i, AmiMessage) and "Seq" in i]


def last(items: list[SinkItem]) -> AmiMessage:
    assert isinstance(items[-1], AmiMessage)
    return items[-1]


async def eventually(check: Callable[[], bool], timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


