"""bench/pop.py's PBX: the project's PbxSimulator in a process of its own, with a stopwatch on its socket.

The stopwatch wraps `AmiSession.write` (here, in the benchmark, not in the simulator): right after
the bytes of an `AgentCalled` frame have been handed to the socket, it notes `time.monotonic_ns()`
under the call's Linkedid. AgentCalled is the first event of a ring attempt (app_queue's
ring_entry(): AgentCalled, then DialBegin, then Newstate Ringing of the agent's leg), and it is the
event on which both the platform (mapper → AgentRinging) and the bare relay pop the desk.

Both servers stay logged in for the whole run; `route()` says whose round it is, and events go
only to that server's session (answers to actions, e.g. the platform's Pings, go as always). A
server misses whole calls this way, from Newchannel to Hangup, so its picture stays consistent.
"""
from __future__ import annotations

import time
from typing import Any

from bench.pop_proc import vmrss_kb
from telephony.simulator import PbxSimulator, SimulatorConfig, default_agents
from telephony.simulator.session import AmiSession

AGENT_CALLED = b"Event: AgentCalled\r\n"
AMI_USER, AMI_SECRET = "hotline", "hotline"


def frame_field(frame: bytes, name: bytes) -> str:
    """The first `Name: value` of a frame (the caller's Linkedid comes before DestLinkedid)."""
    start = frame.find(b"\r\n" + name + b": ")
    if start < 0:
        return ""
    start += len(name) + 4
    return frame[start:frame.index(b"\r\n", start)].decode()


class SimChild:
    def __init__(self) -> None:
        self.sim: PbxSimulator | None = None
        self.sent: dict[str, tuple[int, str]] = {}  # linked id → (ns the AgentCalled left, interface)
        self.only: tuple[int, bool] | None = None  # (relay's port, events to it: True, to all others: False)
        self._hook()

    def _hook(self) -> None:
        write, sent = AmiSession.write, self.sent

        def timed_write(session: AmiSession, data: bytes) -> None:
            write(session, data)
            if data.startswith(AGENT_CALLED):
                at = time.monotonic_ns()
                linked = frame_field(data, b"Linkedid")
                sent.setdefault(linked, (at, frame_field(data, b"Interface")))  # first ring attempt only
        AmiSession.write = timed_write  # type: ignore[method-assign]
        deliver, child = AmiSession.deliver, self

        def routed_deliver(session: AmiSession, category: str, data: bytes) -> None:
            if child.only is not None:
                port, to_it = child.only
                peer = session.__dict__.get("bench_peer_port")
                if peer is None:
                    peer = session.__dict__["bench_peer_port"] = session.writer.get_extra_info("peername")[1]
                if (peer == port) != to_it:
                    return
            deliver(session, category, data)
        AmiSession.deliver = routed_deliver  # type: ignore[method-assign]

    async def route(self, port: int, to_it: bool) -> None:
        """Events only to the session from local port `port` (to_it) or only to every other one."""
        self.only = (port, to_it)

    async def start(self, agents: int) -> int:
        """A PBX whose `hotline` queue has `agents` logged-in members PJSIP/8001…, on an ephemeral port."""
        config = SimulatorConfig(users={AMI_USER: AMI_SECRET}, agents=default_agents(agents), seed=12345,
                                 event_log_size=1000, auth_timeout=600.0)
        self.sim = PbxSimulator(config)
        await self.sim.start("127.0.0.1", 0)
        return self.sim.port

    async def place(self, calls: list[tuple[str, str, str]], abandon_after: float) -> list[str]:
        """Every call at once: (caller number, caller name, the one agent interface it rings)."""
        assert self.sim is not None
        linked = []
        for number, name, agent in calls:
            linked.append(await self.sim.place_call(number, name, answer_after=None, agent=agent,
                                                    abandon_after=abandon_after, record=False))
        return linked

    async def sent_times(self, linked: list[str]) -> dict[str, tuple[int, str]]:
        return {lid: self.sent[lid] for lid in linked if lid in self.sent}

    async def hang_up(self, linked: list[str], timeout: float = 20.0) -> int:
        """The callers hang up while their agents' phones still ring; wait until the PBX is idle."""
        assert self.sim is not None
        for lid in linked:
            call = self.sim._placed.get(lid)  # the benchmark's own simulator: its call objects are ours to use
            if call is not None and call.caller is not None and not call.done.is_set():
                self.sim.hangup_channel(call.caller)
        await self.sim.wait_idle(timeout)
        for lid in linked:
            self.sent.pop(lid, None)
        return len(self.sim.pbx.calls)

    async def sessions(self) -> int:
        assert self.sim is not None
        return self.sim.connection_count()

    async def rss(self) -> int:
        return vmrss_kb()

    async def close(self) -> None:
        if self.sim is not None:
            await self.sim.stop()
            self.sim = None


def make() -> Any:
    return SimChild()
