"""PbxSimulator: the TCP server and the scripting API tests use.

    sim = PbxSimulator(SimulatorConfig(speed=50))
    await sim.start("127.0.0.1", 0)          # port 0: an ephemeral port, then sim.port
    linked = await sim.place_call(caller_number="13800138000", caller_name="王五")
    await sim.wait_call(linked)
    await sim.stop()
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Iterable

from .bus import EventBus
from .calls import CallPlan, InboundCall
from .config import Clock, SimulatorConfig
from .model import Channel, ChannelInfo, EntryInfo, MemberInfo, channel_info, entry_info, member_info
from .pbx import RES_OKAY, Pbx
from .recording import Recorder
from .actions import dispatch
from .session import AmiSession
from .traffic import TrafficGenerator, TrafficProfile
from . import channels as chan_ops


class PbxSimulator:
    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.clock = Clock(self.config.speed)
        self.bus = EventBus(self.config.system_name, self.config.event_log_size)
        self.pbx = Pbx(self.config, self.clock, self.bus)
        self.recorder = (Recorder(self.config.recordings_dir, self.config.recording_max_seconds,
                                  self.config.legacy_recorder)
                         if self.config.recordings_dir is not None else None)
        self.sessions: set[AmiSession] = set()
        self.gate = asyncio.Event()
        self.gate.set()
        self.host = "127.0.0.1"
        self._port = 0
        self._server: asyncio.AbstractServer | None = None
        self._placed: OrderedDict[str, InboundCall] = OrderedDict()
        self._traffic: asyncio.Task | None = None
        self._conn_tasks: set[asyncio.Task] = set()
        for agent in self.config.agents:
            if agent.logged_in:
                for queue in self.config.queues:
                    self.pbx.add_member(queue, agent.interface, agent.name, agent.penalty, agent.paused,
                                        agent.state_interface)

    # -- server ---------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._server = await asyncio.start_server(self._on_connect, host, port, limit=1 << 20, reuse_address=True)
        self._port = self._server.sockets[0].getsockname()[1]

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = AmiSession(self, reader, writer, dispatch)
        self.sessions.add(session)
        task = asyncio.current_task()
        if task is not None:
            self._conn_tasks.add(task)
        try:
            await session.run()
        except asyncio.CancelledError:  # the loop is shutting down: nothing left to do for this socket
            session.close()
        finally:
            self._conn_tasks.discard(task)  # type: ignore[arg-type]

    async def stop(self) -> None:
        await self.stop_traffic()
        self.gate.set()
        for task in list(self.pbx.tasks):
            task.cancel()
        await asyncio.gather(*self.pbx.tasks, return_exceptions=True)
        await self.close_listener()
        for session in list(self.sessions):
            session.close()
        if self._conn_tasks:
            _, pending = await asyncio.wait(set(self._conn_tasks), timeout=1.0)
            for task in pending:
                task.cancel()

    async def close_listener(self) -> None:
        """Stop accepting connections (an outage: clients get `connection refused`)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def reopen_listener(self) -> None:
        if self._server is None:
            await self.start(self.host, self._port)

    # -- failure modes --------------------------------------------------------------------------------
    def drop_connections(self, partial: bytes | None = None) -> int:
        """Close every client socket now (reset), or after writing `partial` (a frame cut short)."""
        dropped = list(self.sessions)
        for session in dropped:
            session.abort(partial)
        return len(dropped)

    def hang(self) -> None:
        """A hung Asterisk: sockets stay open, nothing is read or answered, no banner for new connections."""
        self.gate.clear()

    def unhang(self) -> None:
        self.gate.set()
        for session in list(self.sessions):
            session.flush()

    @property
    def hung(self) -> bool:
        return not self.gate.is_set()

    def connection_count(self) -> int:
        return len(self.sessions)

    # -- calls ----------------------------------------------------------------------------------------
    async def place_call(self, caller_number: str = "13800138000", caller_name: str = "王五", *,
                         answer_after: float | None = 2.0, talk_seconds: float = 5.0, hangup_by: str = "caller",
                         agent: str | None = None, queue: str | None = None, ring_no_answer: int = 0,
                         abandon_after: float | None = None, queue_timeout: float | None = None,
                         record: bool = True, via_local: bool = False, transfer: str | None = None,
                         transfer_to: str = "8002") -> str:
        """Start an inbound 12345 call; returns its Linkedid at once (the call runs in the background).
        `via_local`: the citizen enters through Local/12345@from-citizen; `transfer`: "blind" or
        "attended" to `transfer_to` a second into the talk."""
        if hangup_by not in ("caller", "agent") or transfer not in (None, "blind", "attended"):
            raise ValueError("hangup_by must be 'caller' or 'agent', transfer 'blind', 'attended' or None")
        plan = CallPlan(caller_number, caller_name, queue or self.config.queues[0], answer_after, talk_seconds,
                        hangup_by, agent, ring_no_answer, abandon_after, queue_timeout, record, via_local,
                        transfer, transfer_to)
        return self.start_call(plan)

    def start_call(self, plan: CallPlan) -> str:
        call = InboundCall(self.pbx, plan, self.recorder)
        linked = call.begin()
        self._placed[linked] = call
        while len(self._placed) > 10_000:
            self._placed.popitem(last=False)
        return linked

    async def abandon_call(self, caller_number: str = "13900139000", caller_name: str = "", *,
                           wait_seconds: float = 10.0, queue: str | None = None) -> str:
        """A caller who hangs up after `wait_seconds` in the queue; no member answers."""
        return await self.place_call(caller_number, caller_name, answer_after=None, abandon_after=wait_seconds,
                                     queue=queue)

    async def ring_no_answer_call(self, caller_number: str = "13700137000", caller_name: str = "", *,
                                  misses: int = 1, answer_after: float = 2.0, talk_seconds: float = 5.0,
                                  agent: str | None = None) -> str:
        """The first `misses` ring attempts time out (AgentRingNoAnswer), then a member answers."""
        return await self.place_call(caller_number, caller_name, answer_after=answer_after,
                                     talk_seconds=talk_seconds, ring_no_answer=misses, agent=agent)

    async def timeout_call(self, caller_number: str = "13600136000", caller_name: str = "", *,
                           queue_timeout: float = 30.0) -> str:
        """Nobody answers and Queue() times out (QueueCallerAbandon, QUEUESTATUS=TIMEOUT)."""
        return await self.place_call(caller_number, caller_name, answer_after=None, queue_timeout=queue_timeout)

    async def burst(self, n: int, *, first_number: int = 13800000000, spacing: float = 0.0,
                    **plan: object) -> list[str]:
        """`n` calls at once (or `spacing` simulated seconds apart), numbers counting up from first_number."""
        linked = []
        for i in range(n):
            linked.append(await self.place_call(str(first_number + i), **plan))  # type: ignore[arg-type]
            if spacing:
                await self.clock.sleep(spacing)
        return linked

    async def wait_call(self, linkedid: str, timeout: float | None = None) -> None:
        call = self._placed.get(linkedid) or self.pbx.calls.get(linkedid)
        if call is not None:
            await asyncio.wait_for(call.done.wait(), timeout)

    async def wait_idle(self, timeout: float | None = None) -> None:
        """Until every running call and originate has ended."""
        async def idle() -> None:
            while self.pbx.calls:
                await asyncio.gather(*(c.done.wait() for c in list(self.pbx.calls.values())))
        await asyncio.wait_for(idle(), timeout)

    def hangup_channel(self, ch: Channel, cause: int = 16) -> None:
        if ch.owner is not None:
            ch.owner.request_hangup(ch, cause)
        else:
            chan_ops.hangup_request(self.pbx, ch, soft=True, cause=cause)
            chan_ops.hangup(self.pbx, ch, cause)

    # -- agents and phones ----------------------------------------------------------------------------
    def login_agent(self, interface: str, name: str | None = None, queue: str | None = None,
                    paused: bool = False, state_interface: str = "") -> bool:
        name = name or self.config.member_name(interface)
        return self.pbx.add_member(queue or self.config.queues[0], interface, name, 0, paused,
                                   state_interface) == RES_OKAY

    def logout_agent(self, interface: str, queue: str | None = None) -> bool:
        return self.pbx.remove_member(queue or self.config.queues[0], interface) == RES_OKAY

    def pause_agent(self, interface: str, paused: bool = True, reason: str = "", queue: str = "") -> bool:
        return self.pbx.pause_member(queue, interface, paused, reason)

    def set_phone(self, interface: str, *, registered: bool | None = None, answers: bool | None = None) -> None:
        """An unregistered phone is UNAVAILABLE; a phone that doesn't answer rings out every time."""
        if answers is not None:
            (self.pbx.no_answer.discard if answers else self.pbx.no_answer.add)(interface)
        if registered is not None:
            self.pbx.set_registered(interface, registered)

    # -- state, for tests -----------------------------------------------------------------------------
    def channels(self) -> list[ChannelInfo]:
        return [channel_info(ch) for ch in sorted(self.pbx.channels.values(), key=lambda ch: ch.created)]

    def queue_entries(self) -> list[EntryInfo]:
        now = self.clock.now()
        return [entry_info(e, now) for q in self.pbx.queues.values() for e in q.entries]

    def members(self) -> list[MemberInfo]:
        return [member_info(m) for q in self.pbx.queues.values() for m in q.members.values()]

    def events_for(self, linkedid: str) -> list[tuple[str, dict[str, str]]]:
        return self.bus.events_for(linkedid)

    # -- raw injection, for protocol tests ------------------------------------------------------------
    def emit_event(self, event: str, fields: Iterable[tuple[str, str]], category: str | None = None) -> None:
        self.bus.emit(event, fields, category)

    def send_raw(self, data: bytes) -> None:
        self.bus.send_raw(data)

    async def send_raw_chunks(self, data: bytes, sizes: Iterable[int], delay: float = 0.02) -> None:
        """Write `data` to every logged-in session in pieces of the given sizes (the rest at the end),
        pausing `delay` real seconds between pieces so that each arrives in a read of its own."""
        pos = 0
        for size in sizes:
            self.bus.send_raw(data[pos:pos + size])
            pos += size
            await asyncio.sleep(delay)
        if pos < len(data):
            self.bus.send_raw(data[pos:])

    # -- traffic --------------------------------------------------------------------------------------
    def start_traffic(self, profile: TrafficProfile | None = None) -> None:
        if self._traffic is None or self._traffic.done():
            gen = TrafficGenerator(self, profile or TrafficProfile(), seed=self.config.seed)
            self._traffic = asyncio.get_running_loop().create_task(gen.run())

    async def stop_traffic(self) -> None:
        if self._traffic is not None:
            self._traffic.cancel()
            await asyncio.gather(self._traffic, return_exceptions=True)
            self._traffic = None
