"""The AMI link: the one module of the project that imports panoramisk.

panoramisk 1.4 is kept for what it does right — holding the connection settings and opening the
TCP connection with a protocol class (`Manager.connect()` with our `protocol_factory`). Everything
it gets wrong is replaced here, each with a test in tests/integration/test_ami_link.py:

- reading: our `FrameParser` splits bytes before decoding (王五 split across reads arrives whole);
- one bad message cannot drop the connection or the rest of its read (per-message isolation);
- no callbacks or dropped tasks: messages go in order into one bounded sink (`Outbox`), with
  backpressure by pausing the socket instead of losing anything;
- our own login with a timeout, a Ping watchdog that notices a hung Asterisk, reconnects with
  exponential backoff that `close()` stops for good;
- every action has a timeout and typed Chinese errors; nothing is ever resent, so an Originate
  can never ring a citizen twice (panoramisk re-sends pending actions on FullyBooted);
- after every login, state is rebuilt from CoreShowChannels and QueueStatus (AMI has no replay).

What the sink receives, and in which order, is described in telephony/ami/__init__.py.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import uuid
from collections import deque
from datetime import datetime
from typing import Any, Callable, Iterable, Literal, Mapping

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol

from config.settings import PbxSettings
from telephony.ami.actions import PendingActions
from telephony.ami.commands import AmiCommands
from telephony.ami.errors import (AmiActionFailed, AmiClosed, AmiConnectionLost, AmiError, AmiLoginFailed,
                                  AmiNotConnected, AmiTimeout)
from telephony.ami.outbox import Outbox
from telephony.ami.protocol import (DEFAULT_KEEP_VARIABLES, ActionValue, AmiMessage, FrameParser, ParserStats,
                                    format_action)
from telephony.ami.state import LinkState
from telephony.events import LinkStateChanged

log = logging.getLogger("telephony.ami")

SinkItem = AmiMessage | LinkStateChanged
Clock = Callable[[], datetime]
RESYNC_START, RESYNC_END = "HotlineResyncStart", "HotlineResyncEnd"


class _LinkProtocol(AMIProtocol):
    """panoramisk's protocol class with its reading, response matching and re-queueing replaced."""

    def __init__(self, deliver: Callable[[AmiMessage], None], parser: FrameParser) -> None:
        self._deliver = deliver
        self.parser = parser
        self.lost: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._abort_reason = ""

    def data_received(self, data: bytes) -> None:
        try:
            messages = self.parser.feed(data)
        except Exception:  # the parser is pure; if it ever breaks, start over on a fresh connection
            log.exception("AMI 数据解析出错，重新连接")
            self.abort("AMI 数据解析出错")
            return
        for message in messages:
            try:
                self._deliver(message)
            except Exception:  # isolate: the connection and the rest of this read carry on
                log.exception("处理 PBX 消息出错，已跳过该条：%.200r", message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.parser.pending_bytes:
            log.warning("PBX 连接在帧中途断开，丢弃未收完的 %d 字节", self.parser.pending_bytes)
        if not self.lost.done():
            self.lost.set_result(self._abort_reason or (f"PBX 连接断开：{exc}" if exc else "PBX 关闭了连接"))

    def write(self, data: bytes) -> bool:
        if self.lost.done() or self.transport.is_closing():
            return False
        self.transport.write(data)
        return True

    def abort(self, reason: str) -> None:
        """Drop the connection now (unsent bytes are discarded: a hung peer never reads them)."""
        self._abort_reason = self._abort_reason or reason
        self.transport.abort()

    def close(self) -> None:
        self.abort("PBX 链路已关闭")

    def pause_reading(self) -> None:
        if not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if not self.transport.is_closing():
            self.transport.resume_reading()


def _switched_off(*_: Any) -> None:
    """A panoramisk hook that AmiLink does itself, correctly."""


class _Manager(Manager):
    """panoramisk's Manager as a connection factory only; AmiLink owns login, ping and reconnect.

    Switched off: the login without timeout (connection_made), the fixed-delay reconnect that
    `close()` does not stop (connection_lost), the pinger whose replies are ignored (ping), and the
    FullyBooted re-send of pending actions (send_awaiting_actions).
    """
    connection_made = connection_lost = ping = send_awaiting_actions = _switched_off


def baseline_panoramisk(host: str, port: int, username: str, secret: str,
                        on_event: Callable[[Any], None]) -> Any:
    """Stock panoramisk (its own protocol and dispatch) with a `*` callback: bench/ami.py's yardstick."""
    manager = Manager(host=host, port=port, username=username, secret=secret, ping_delay=3600,
                      ping_interval=3600, reconnect_timeout=3600, loop=asyncio.get_running_loop())
    manager.register_event("*", lambda _manager, event: on_event(event))
    return manager


class AmiLink(AmiCommands):
    """A supervised, self-healing AMI connection delivering raw messages into a bounded queue."""

    def __init__(self, settings: PbxSettings, sink: asyncio.Queue[SinkItem], clock: Clock, *,
                 keep_variables: Iterable[str] = DEFAULT_KEEP_VARIABLES, events: Iterable[str] | None = None,
                 auth: Literal["md5", "plain"] = "md5") -> None:
        self._settings, self._clock, self._auth = settings, clock, auth
        self._keep, self._events = frozenset(keep_variables), None if events is None else frozenset(events)
        self._outbox: Outbox[SinkItem] = Outbox(sink)
        self._pending = PendingActions()
        self._stats = ParserStats()
        self._ids = itertools.count(1)
        self._id_prefix = f"hotline-{uuid.uuid4().hex[:8]}-"
        self._task: asyncio.Task[None] | None = None
        self._protocol: _LinkProtocol | None = None
        self._held: deque[AmiMessage] | None = None
        self._resync_lock = asyncio.Lock()
        self._up_event = asyncio.Event()
        self._closed = False
        self._attempts = self._sessions = 0
        self._last_failure = ""
        self._last_failure_at: datetime | None = None
        self._connected_since: datetime | None = None

    # ---- public API -------------------------------------------------------------------------

    @property
    def state(self) -> LinkState:
        s = self._stats
        return LinkState(
            up=self._up_event.is_set(), last_failure=self._last_failure, last_failure_at=self._last_failure_at,
            connected_since=self._connected_since, attempts=self._attempts, sessions=self._sessions,
            backlog=self._outbox.backlog, backpressure_pauses=self._outbox.pauses,
            varset_dropped=s.varset_dropped, events_ignored=s.events_ignored, malformed_lines=s.malformed_lines,
            dropped_frames=s.dropped_frames + s.oversized_frames)

    async def start(self) -> None:
        """Begin connecting in the background; never raises for an unreachable PBX (it keeps trying)."""
        if self._task is not None:
            return
        self._closed = False
        self._task = asyncio.get_running_loop().create_task(self._supervise(), name="ami-link")
        self._task.add_done_callback(self._supervisor_ended)
        await asyncio.sleep(0)  # let the first attempt begin

    async def close(self) -> None:
        """Stop for good: no reconnect after this, even in the middle of an outage."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        left = self._outbox.close()
        if left:
            log.warning("关闭 PBX 链路时有 %d 条消息未投递", left)

    async def wait_up(self, timeout: float) -> bool:
        """True once logged in (the resync snapshot follows in the sink), False if not within `timeout` s."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._up_event.wait()
        return self._up_event.is_set()

    async def action(self, fields: Mapping[str, ActionValue], timeout: float | None = None) -> list[AmiMessage]:
        """Send once; return [response, *list items]. Raises AmiError subclasses, never resends."""
        name = str(fields.get("Action", ""))
        return await self._request(self._ready(name), fields, timeout)

    async def resync(self) -> None:
        """Rebuild downstream state on demand, exactly as after a reconnect."""
        await self._resync(self._ready("CoreShowChannels"), "request")

    def new_action_id(self) -> str:
        return f"{self._id_prefix}{next(self._ids)}"

    # ---- one action ---------------------------------------------------------------------------

    def _ready(self, name: str) -> _LinkProtocol:
        if self._closed:
            raise AmiClosed(name)
        if self._protocol is None or not self._up_event.is_set():
            raise AmiNotConnected(name, self._last_failure)
        return self._protocol

    async def _request(self, protocol: _LinkProtocol, fields: Mapping[str, ActionValue],
                       timeout: float | None = None) -> list[AmiMessage]:
        action = dict(fields)
        name = str(action.get("Action") or "")
        if not name:
            raise ValueError("AMI 动作缺少 Action 字段")
        action_id = str(action.setdefault("ActionID", self.new_action_id()))
        data = format_action(action)
        seconds = timeout if timeout is not None else self._settings.action_timeout
        future = self._pending.begin(action_id, name)
        try:
            if not protocol.write(data):
                raise AmiConnectionLost(name, "连接已断开")
            async with asyncio.timeout(seconds):
                return await future
        except TimeoutError:
            raise AmiTimeout(name, seconds) from None
        finally:
            self._pending.abandon(action_id)  # no-op once answered or failed

    # ---- connection lifecycle -----------------------------------------------------------------

    async def _supervise(self) -> None:
        s, failures = self._settings, 0
        while not self._closed:
            reached_up = await self._attempt()
            failures = 0 if reached_up else failures + 1
            delay = min(s.reconnect_max, s.reconnect_min * 2 ** min(max(failures - 1, 0), 30))
            log.info("%.2f 秒后重新连接 PBX %s:%d", delay, s.host, s.port)
            await asyncio.sleep(delay)

    def _supervisor_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.critical("PBX 链路监督任务意外退出", exc_info=task.exception())

    async def _attempt(self) -> bool:
        """One connection from open to end; returns whether it got as far as logged in."""
        self._attempts += 1
        protocol: _LinkProtocol | None = None
        reason, reached_up = "PBX 链路已关闭", False
        try:
            protocol = await self._open()
            await self._login(protocol)
            reached_up = True
            self._mark_up(protocol)
            await self._resync(protocol, "connect" if self._sessions == 1 else "reconnect")
            reason = await self._watch(protocol)
        except AmiError as exc:
            reason = _lost_reason(protocol) or str(exc)
        except OSError as exc:
            reason = f"无法连接 PBX {self._settings.host}:{self._settings.port}：{exc.strerror or exc}"
        except Exception as exc:  # keep the supervisor alive whatever happens
            log.exception("PBX 链路内部错误")
            reason = f"PBX 链路内部错误：{exc!r}"
        finally:
            self._end(protocol, reason)
        return reached_up

    async def _open(self) -> _LinkProtocol:
        s = self._settings
        self._held = deque()  # live events wait until the resync snapshot is in the sink
        manager = _Manager(host=s.host, port=s.port, loop=asyncio.get_running_loop(),
                           protocol_factory=lambda: _LinkProtocol(self._on_message, FrameParser(
                               self._keep, events=self._events, stats=self._stats)))
        try:
            async with asyncio.timeout(s.action_timeout):
                _transport, protocol = await manager.connect()
        except TimeoutError:
            raise AmiError(f"无法连接 PBX {s.host}:{s.port}：{s.action_timeout:g} 秒内未建立连接") from None
        self._protocol = protocol
        protocol.lost.add_done_callback(lambda _: self._connection_lost(protocol))
        return protocol

    def _connection_lost(self, protocol: _LinkProtocol) -> None:
        """Fail waiting actions at once (not at their timeout), if this is still the current connection."""
        reason = _lost_reason(protocol)
        if self._protocol is protocol and reason:
            self._pending.fail_all(lambda name: AmiConnectionLost(name, reason))

    async def _login(self, protocol: _LinkProtocol) -> None:
        s = self._settings
        fields: dict[str, ActionValue] = {"Action": "Login", "Username": s.username, "Events": "on"}
        try:
            if self._auth == "md5":
                answer = await self._request(protocol, {"Action": "Challenge", "AuthType": "MD5"})
                key = hashlib.md5((answer[0].text("Challenge") + s.secret).encode()).hexdigest()
                fields.update(AuthType="MD5", Key=key)
            else:
                fields["Secret"] = s.secret
            await self._request(protocol, fields)
        except AmiActionFailed as exc:
            raise AmiLoginFailed(exc.detail) from None

    def _mark_up(self, protocol: _LinkProtocol) -> None:
        self._sessions += 1
        self._connected_since = self._clock()
        self._up_event.set()
        s = self._settings
        log.info("已登录 PBX %s:%d（%s）", s.host, s.port, protocol.parser.banner or "无版本信息")
        self._outbox.put(LinkStateChanged(at=self._connected_since, up=True, reason=f"已登录 PBX {s.host}:{s.port}"))

    async def _resync(self, protocol: _LinkProtocol, reason: str) -> None:
        """Snapshot channels and queues between two markers, holding live events meanwhile."""
        async with self._resync_lock:
            if self._held is None:
                self._held = deque()
            try:
                channels = await self._request(protocol, {"Action": "CoreShowChannels"})
                queues = await self._request(protocol, {"Action": "QueueStatus"})
                items = [m for m in (*channels, *queues) if m.is_event]
                self._outbox.put(AmiMessage({"Event": RESYNC_START, "Reason": reason}))
                self._outbox.put_many(items)
                self._outbox.put(AmiMessage({"Event": RESYNC_END, "Reason": reason, "Items": str(len(items))}))
            finally:
                self._release_held()
        self._outbox.attach(protocol)

    async def _watch(self, protocol: _LinkProtocol) -> str:
        """Wait for the connection to end, pinging meanwhile; returns why it ended."""
        watchdog = asyncio.get_running_loop().create_task(self._watchdog(protocol), name="ami-watchdog")
        try:
            return await protocol.lost
        finally:
            watchdog.cancel()

    async def _watchdog(self, protocol: _LinkProtocol) -> None:
        """panoramisk pings but ignores the answers; a hung Asterisk is found by the missing Pong."""
        s = self._settings
        try:
            while True:
                await asyncio.sleep(s.ping_interval)
                if self._outbox.paused:
                    continue  # we stopped reading ourselves (full sink): silence is not the PBX's fault
                try:
                    await self._request(protocol, {"Action": "Ping"}, s.ping_timeout)
                except AmiTimeout:
                    if not self._outbox.paused:
                        log.error("PBX %g 秒内未回应心跳，判定为挂起，重新连接", s.ping_timeout)
                        protocol.abort(f"PBX 无响应：{s.ping_timeout:g} 秒内未回应心跳（Ping），已重新连接")
                        return
        except AmiError:
            return  # the connection ended while a ping was out; _watch sees it
        except Exception:
            log.exception("PBX 心跳任务出错，重新连接")
            protocol.abort("PBX 心跳任务出错")

    def _end(self, protocol: _LinkProtocol | None, reason: str) -> None:
        """Close the connection, fail what waited on it, and publish the state change."""
        if protocol is not None:
            protocol.close()
            self._outbox.detach(protocol)
        self._protocol = None
        failed = self._pending.fail_all(
            (lambda name: AmiClosed(name)) if self._closed else (lambda name: AmiConnectionLost(name, reason)))
        self._release_held()
        if not self._closed:
            self._last_failure, self._last_failure_at = reason, self._clock()
            log.warning("PBX 链路中断：%s（%d 个动作未得到应答，不会重发）", reason, failed)
        if self._up_event.is_set():
            self._up_event.clear()
            self._connected_since = None
            self._outbox.put(LinkStateChanged(at=self._clock(), up=False, reason=reason))

    # ---- the read path (synchronous, called from the protocol) --------------------------------

    def _on_message(self, message: AmiMessage) -> None:
        if self._pending.route(message):
            return
        if "Event" not in message:
            log.debug("忽略无人等待的 PBX 应答：%.200r", message)
            return
        held = self._held
        if held is not None:
            held.append(message)
        else:
            self._outbox.put(message)

    def _release_held(self) -> None:
        held, self._held = self._held, None
        if held:
            self._outbox.put_many(held)


def _lost_reason(protocol: _LinkProtocol | None) -> str:
    """Why the connection ended, or "" while it is still open."""
    if protocol is None or not protocol.lost.done() or protocol.lost.cancelled():
        return ""
    return protocol.lost.result()
