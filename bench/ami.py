"""AMI benchmark (issue 4): events per second through our link against stock panoramisk, same run.

A loopback server in a child process (so its writing does not share our CPU) blasts the same
stream of realistic Asterisk 20 queue-call events — about 180 per call, more than half VarSet,
Chinese caller names — at each client in turn:

1. stock panoramisk 1.4 (its own AMIProtocol and dispatch) with one no-op `*` callback;
2. our AmiLink → bounded sink → one consumer running the pipeline: mapper → call model → bus.

The clock runs from the client's "go" action to the moment its consumer sees the last event;
the rate is stream events / second (VarSet dropped early still counts as handled). Best of
`--rounds` for each. Then the process's resident memory.

    .venv/bin/python bench/ami.py [--events 200000] [--rounds 3] [--stages module:factory] [--local-share 0.5]

`--stages` names a zero-argument factory returning a list of callables; each takes one item and
returns None (stop), one item, or a list of items for the next stage: e.g. mapper → model → bus.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import importlib  # noqa: E402
import multiprocessing  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from typing import Any, Callable, Iterable  # noqa: E402

from config.settings import PbxSettings  # noqa: E402
from telephony.ami import AmiLink, AmiMessage, SinkItem  # noqa: E402
from telephony.ami.link import baseline_panoramisk  # noqa: E402

Stage = Callable[[Any], Any]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
QUEUE_VARS = ("QUEUENAME", "QUEUEPOSITION", "QUEUESTRATEGY", "QUEUECALLS", "QUEUEHOLDTIME", "QUEUETALKTIME",
              "QUEUECOMPLETED", "QUEUEABANDONED", "QUEUESRVLEVEL", "QUEUESRVLEVELPERF", "QEHOLDTIME", "QEORIGINALPOS")
MEMBER_VARS = ("MEMBERINTERFACE", "MEMBERNAME", "MEMBERCALLS", "MEMBERLASTCALL", "MEMBERPENALTY", "MEMBERDYNAMIC",
               "MEMBERREALTIME", "DIALEDPEERNUMBER", "DIALEDPEERNAME", "DIALSTATUS", "DIALEDTIME", "ANSWEREDTIME")
QOS_VARS = ("RTPAUDIOQOS", "RTPAUDIOQOSJITTER", "RTPAUDIOQOSLOSS", "RTPAUDIOQOSRTT", "RTPAUDIOQOSBRIDGED",
            "RTPAUDIOQOSJITTERBRIDGED", "RTPAUDIOQOSLOSSBRIDGED", "RTPAUDIOQOSRTTBRIDGED")


# ---- the stream ----------------------------------------------------------------------------------

def _snapshot(channel: str, state: str, num: str, name: str, other_num: str, other_name: str,
              exten: str, uid: str, linked: str) -> str:
    desc = {"0": "Down", "4": "Ring", "5": "Ringing", "6": "Up"}[state]
    return (f"Channel: {channel}\r\nChannelState: {state}\r\nChannelStateDesc: {desc}\r\nCallerIDNum: {num}\r\n"
            f"CallerIDName: {name}\r\nConnectedLineNum: {other_num}\r\nConnectedLineName: {other_name}\r\n"
            f"Language: zh\r\nAccountCode: \r\nContext: from-trunk\r\nExten: {exten}\r\nPriority: 1\r\n"
            f"Uniqueid: {uid}\r\nLinkedid: {linked}\r\n")


def _rtcp(sent: bool, i: int) -> str:
    kind = "200(SR)" if sent else "201(RR)"
    return (f"To: 10.20.0.8:{12000 + i}\r\nFrom: 10.20.0.2:{14000 + i}\r\nSSRC: 0x{i:08x}\r\nPT: {kind}\r\n"
            f"ReportCount: 1\r\nSentNTP: 1700000{i:03d}.000000\r\nSentRTP: {160 * i}\r\nSentPackets: {250 * i}\r\n"
            f"SentOctets: {40000 * i}\r\nReport0SourceSSRC: 0x2b8c{i:04x}\r\nReport0FractionLost: 0\r\n"
            f"Report0CumulativeLost: 0\r\nReport0HighestSequence: {i * 250}\r\nReport0SequenceNumberCycles: 0\r\n"
            f"Report0IAJitter: 2\r\nReport0LSR: 0\r\nReport0DLSR: 0.0000\r\n")


def _local_bridge(one: str, two: str, uids: tuple[str, str], linked: str, context: str, exten: str) -> str:
    return (f"LocalOneChannel: {one}\r\nLocalOneUniqueid: {uids[0]}\r\nLocalOneLinkedid: {linked}\r\n"
            f"LocalTwoChannel: {two}\r\nLocalTwoUniqueid: {uids[1]}\r\nLocalTwoLinkedid: {linked}\r\n"
            f"Context: {context}\r\nExten: {exten}\r\nLocalOptimization: No\r\n")


class _Local:
    """The extra channels of a call whose citizen enters through Local/12345@from-citizen (originated)
    and whose member is Local/<agent>@agents/n: two Local pairs and the phone the member's ;2 dials."""

    def __init__(self, n: int, number: str, name: str, agent: str) -> None:
        uid = f"1700000000.{2 * n}"
        self.outer_name, self.two_name = f"Local/12345@from-citizen-{2 * n:08x};1", f"Local/{agent}@agents-{n:08x};2"
        self.phone_name = f"PJSIP/{agent}-{2 * n + 1:08x}"
        self.outer = _snapshot(self.outer_name, "6", number, name, "", "", "s", uid, uid)
        self.caller_uid, self.two_uid, self.phone_uid = (f"170000000{k}.{2 * n}" for k in (1, 2, 3))
        self.two = _snapshot(self.two_name, "6", number, name, agent, "话务员", agent, self.two_uid, uid)
        self.phone = _snapshot(self.phone_name, "6", agent, "话务员", number, name, "s", self.phone_uid, uid)


class _Call:
    """One answered 12345 queue call as Asterisk 20 reports it: ~200 events, VarSet more than half.
    `local`: the citizen is an originated Local channel and the member a Local one (FreePBX)."""

    def __init__(self, n: int, rng: random.Random, local: bool) -> None:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        self.n, self.number, self.agent = n, f"1{rng.randrange(3, 9)}{rng.randrange(10**8, 10**9)}", \
            f"80{rng.randrange(10, 40)}"
        self.uid, self.auid = f"1700000000.{2 * n}", f"1700000000.{2 * n + 1}"
        lc = self.lc = _Local(n, self.number, name, self.agent) if local else None
        self.caller_name = f"{lc.outer_name[:-1]}2" if lc else f"PJSIP/trunk-{2 * n:08x}"
        self.agent_name = f"{lc.two_name[:-1]}1" if lc else f"PJSIP/{self.agent}-{2 * n + 1:08x}"
        self.caller = _snapshot(self.caller_name, "6", self.number, name, self.agent, "话务员", "12345",
                                lc.caller_uid if lc else self.uid, self.uid)
        self.agent_ch = _snapshot(self.agent_name, "6", self.agent, "话务员", self.number, name, "s", self.auid,
                                  self.uid)
        self.member_if = f"Local/{self.agent}@agents/n" if lc else f"PJSIP/{self.agent}"
        self.out: list[str] = []

    def frames(self) -> list[str]:
        self.arrival()
        for attempt in range(2):
            self.ring(answered=attempt == 1)
        self.answer()
        self.talk()
        self.end()
        return self.out

    def ev(self, event: str, snap: str, extra: str = "", privilege: str = "call,all") -> None:
        self.out.append(f"Event: {event}\r\nPrivilege: {privilege}\r\n{snap}{extra}\r\n")

    def var(self, snap: str, names: Iterable[str], value: str = "1") -> None:
        for v in names:
            self.ev("VarSet", snap, f"Variable: {v}\r\nValue: {value}\r\n", "dialplan,all")

    def members(self, status: str) -> None:
        for other in range(4):
            self.ev("QueueMemberStatus", "", f"Queue: hotline\r\nMemberName: 话务员{other}\r\n"
                    f"Interface: PJSIP/80{other}\r\nStateInterface: PJSIP/80{other}\r\nMembership: dynamic\r\n"
                    f"Penalty: 0\r\nCallsTaken: 3\r\nLastCall: 1700000000\r\nInCall: 0\r\nStatus: {status}\r\n"
                    "Paused: 0\r\nPausedReason: \r\n", "agent,all")

    def arrival(self) -> None:
        ev, caller, lc, uid = self.ev, self.caller, self.lc, self.uid
        if lc:
            ev("Newchannel", lc.outer)
        ev("Newchannel", caller)
        if lc:
            ev("LocalBridge", "", _local_bridge(lc.outer_name, self.caller_name, (uid, lc.caller_uid), uid,
                                                "from-citizen", "12345"))
        self.var(caller, ("SIPCALLID", "SIPDOMAIN", "__FROM_DID", "CHANNEL_LANG", "TOUCH_MIXMONITOR", "CDR_PROP"))
        for app in ("NoOp", "Set", "Set", "Answer", "MixMonitor", "Set", "Queue"):
            ev("Newexten", caller, f"Extension: 12345\r\nApplication: {app}\r\nAppData: \r\n", "dialplan,all")
        ev("Newstate", caller)
        if lc:
            ev("OriginateResponse", "", f"ActionID: harness-{self.n}\r\nResponse: Success\r\n"
               f"Channel: {lc.outer_name}\r\nContext: default\r\nExten: s\r\nReason: 4\r\nUniqueid: {uid}\r\n")
        self.var(caller, ("MIXMONITOR_FILENAME",), f"/var/spool/asterisk/monitor/hotline-{uid}.wav")
        self.var(caller, QUEUE_VARS * 2)
        ev("QueueCallerJoin", caller, "Queue: hotline\r\nPosition: 1\r\nCount: 1\r\n", "agent,all")
        ev("MusicOnHoldStart", caller, "Class: default\r\n")

    def ring(self, answered: bool) -> None:
        """One ring of the member; the first one times out (AgentRingNoAnswer)."""
        ev, caller, lc, agent = self.ev, self.caller, self.lc, self.agent
        ev("Newchannel", self.agent_ch)
        if lc:
            ev("Newchannel", lc.two)
        self.var(self.agent_ch, MEMBER_VARS)
        ev("AgentCalled", caller, f"Queue: hotline\r\nInterface: {self.member_if}\r\nMemberName: 话务员\r\n"
           f"DestChannel: {self.agent_name}\r\n", "agent,all")
        ev("DialBegin", caller, f"DestChannel: {self.agent_name}\r\nDialString: {agent}\r\n")
        if lc:
            ev("LocalBridge", "", _local_bridge(self.agent_name, lc.two_name, (self.auid, lc.two_uid), self.uid,
                                                "agents", agent))
            ev("Newchannel", lc.phone)
            ev("DialBegin", lc.two, f"DestChannel: {lc.phone_name}\r\nDialString: {agent}\r\n")
        ev("DeviceStateChange", "", f"Device: PJSIP/{agent}\r\nState: RINGING\r\n")
        ev("Newstate", self.agent_ch)
        ev("DialState", caller, "DialStatus: RINGING\r\n")
        self.var(caller, MEMBER_VARS)
        if not answered:
            ev("DialEnd", caller, "DialStatus: NOANSWER\r\n")
            ev("AgentRingNoAnswer", caller, "Queue: hotline\r\nRingTime: 15000\r\n", "agent,all")
            for snap in (self.agent_ch, lc.two, lc.phone) if lc else (self.agent_ch,):
                ev("Hangup", snap, "Cause: 16\r\nCause-txt: Normal Clearing\r\n")

    def answer(self) -> None:
        ev, caller, lc = self.ev, self.caller, self.lc
        if lc:
            ev("DialEnd", lc.two, f"DestChannel: {lc.phone_name}\r\nDialStatus: ANSWER\r\n")
        ev("DialEnd", caller, "DialStatus: ANSWER\r\n")
        ev("NewConnectedLine", caller)
        ev("QueueCallerLeave", caller, "Queue: hotline\r\nPosition: 1\r\nCount: 0\r\n", "agent,all")
        ev("AgentConnect", caller, f"Queue: hotline\r\nInterface: {self.member_if}\r\n"
           f"DestChannel: {self.agent_name}\r\nHoldTime: 21\r\nRingTime: 3\r\n", "agent,all")
        ev("MusicOnHoldStop", caller)
        self.members("2")
        for snap in (caller, self.agent_ch):
            ev("BridgeEnter", snap, "BridgeUniqueid: b1\r\nBridgeType: basic\r\nBridgeNumChannels: 2\r\n")
            self.var(snap, ("BRIDGEPEER", "BRIDGEPVTCALLID") * 2)

    def talk(self) -> None:
        for i in range(8):  # RTCP reports every few seconds of the talk, both ways, both legs
            for snap in (self.caller, self.agent_ch):
                self.ev("RTCPSent", snap, _rtcp(True, i), "reporting,all")
                self.ev("RTCPReceived", snap, _rtcp(False, i), "reporting,all")

    def end(self) -> None:
        ev, lc = self.ev, self.lc
        for snap in (self.caller, self.agent_ch):
            self.var(snap, QOS_VARS, "ssrc=1;themssrc=2;lp=0;rxjitter=0.000;rxcount=9000")
            ev("BridgeLeave", snap, "BridgeUniqueid: b1\r\n")
        ev("AgentComplete", self.caller, "Queue: hotline\r\nTalkTime: 95\r\nReason: caller\r\n", "agent,all")
        for snap in (self.caller, self.agent_ch):
            ev("SoftHangupRequest", snap, "Cause: 16\r\n")
            self.var(snap, ("DIALSTATUS", "HANGUPCAUSE", "QUEUESTATUS"))
            ev("Hangup", snap, "Cause: 16\r\nCause-txt: Normal Clearing\r\n")
        for snap in (lc.two, lc.phone, lc.outer) if lc else ():
            ev("Hangup", snap, "Cause: 16\r\nCause-txt: Normal Clearing\r\n")
        self.members("1")
        ev("Cdr", "", f"Source: {self.number}\r\nDestination: 12345\r\nDuration: 130\r\nBillableSeconds: 95\r\n"
           f"Disposition: ANSWERED\r\nUniqueID: {self.uid}\r\n", "cdr,all")


def _call(n: int, rng: random.Random, local: bool = False) -> list[str]:
    """One answered 12345 queue call's frames (see _Call)."""
    return _Call(n, rng, local).frames()


def build_stream(events: int, seed: int = 12345, local_share: float = 0.0) -> tuple[bytes, float]:
    """`events` frames of whole calls (the last one cut short), then BenchEnd; and the VarSet share.
    `local_share` of the calls have a Local caller and a Local member."""
    rng, frames, n = random.Random(seed), list[str](), 0
    while len(frames) < events:
        frames += _call(n, rng, _is_local(n, local_share))
        n += 1
    frames = frames[:events]
    share = sum(f.startswith("Event: VarSet") for f in frames) / len(frames)
    return ("".join(frames) + "Event: BenchEnd\r\n\r\n").encode(), share


# ---- the server (child process) ------------------------------------------------------------------

def _is_local(n: int, share: float) -> bool:
    """Spread evenly: at 0.5 every other call."""
    return int((n + 1) * share) > int(n * share)


def serve(events: int, conn: Any, local_share: float = 0.0) -> None:
    stream, share = build_stream(events, local_share=local_share)
    conn.send((share, len(stream)))
    asyncio.run(_serve(stream, conn))


async def _serve(stream: bytes, conn: Any) -> None:
    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        try:
            while True:
                lines = (await reader.readuntil(b"\r\n\r\n")).decode().strip().split("\r\n")
                action = dict(line.split(": ", 1) for line in lines)
                aid = f"ActionID: {action.get('ActionID', '')}\r\n"
                if action["Action"] in ("CoreShowChannels", "QueueStatus"):
                    writer.write(f"Response: Success\r\n{aid}EventList: start\r\n\r\nEvent: {action['Action']}"
                                 f"Complete\r\n{aid}EventList: Complete\r\nListItems: 0\r\n\r\n".encode())
                else:
                    extra = "Challenge: 12345678\r\n" if action["Action"] == "Challenge" else ""
                    writer.write(f"Response: Success\r\n{aid}{extra}Message: ok\r\n\r\n".encode())
                if action.get("UserEvent") == "BenchGo":
                    view = memoryview(stream)
                    for start in range(0, len(view), 1 << 20):
                        writer.write(view[start:start + (1 << 20)])
                        await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
    server = await asyncio.start_server(client, "127.0.0.1", 0)
    conn.send(server.sockets[0].getsockname()[1])
    await asyncio.Event().wait()


# ---- the clients ---------------------------------------------------------------------------------

async def run_panoramisk(port: int) -> float:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def on_event(event: Any) -> None:  # the no-op callback, plus noticing the end
        if event.event == "BenchEnd" and not done.done():
            done.set_result(None)
    manager = baseline_panoramisk("127.0.0.1", port, "bench", "bench", on_event)
    await manager.connect()
    while not manager.authenticated:
        await asyncio.sleep(0.01)
    started = time.perf_counter()
    manager.send_action({"Action": "UserEvent", "UserEvent": "BenchGo"})
    await done
    elapsed = time.perf_counter() - started
    manager.close()
    return elapsed


def default_stages() -> list[Stage]:
    """The live pipeline: mapper → call model → bus (records are not stored: this measures the event path)."""
    from telephony.calls.service import bench_stages
    return bench_stages()


def _run_stages(item: Any, stages: list[Stage]) -> None:
    items = [item]
    for stage in stages:
        nxt: list[Any] = []
        for one in items:
            out = stage(one)
            if isinstance(out, list):
                nxt += out
            elif out is not None:
                nxt.append(out)
        items = nxt


async def run_link(port: int, stages: list[Stage]) -> tuple[float, int]:
    settings = PbxSettings(host="127.0.0.1", port=port, username="bench", secret="bench")
    sink: asyncio.Queue[SinkItem] = asyncio.Queue(settings.event_queue_size)
    link = AmiLink(settings, sink, lambda: datetime.now(timezone.utc))
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen = 0

    async def consumer() -> None:
        nonlocal seen
        while True:
            item = await sink.get()
            seen += 1
            if stages:
                _run_stages(item, stages)
            if isinstance(item, AmiMessage) and item.get("Event") == "BenchEnd":
                done.set_result(None)
    task = asyncio.create_task(consumer())
    await link.start()
    if not await link.wait_up(5):
        raise SystemExit(f"AmiLink 未能登录：{link.state.last_failure}")
    await link.resync()  # returns once the snapshot is in the sink
    await asyncio.sleep(0.05)  # let the consumer take it, so `seen` counts only the stream
    seen = 0
    started = time.perf_counter()
    await link.action({"Action": "UserEvent", "UserEvent": "BenchGo"})
    await done
    elapsed = time.perf_counter() - started
    await link.close()
    task.cancel()
    return elapsed, seen


def vm_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def mapper_tables_after(calls: int, local_share: float) -> dict[str, int]:
    """The mapper's own tables after `calls` whole calls: what a leak would grow."""
    from telephony.ami import FrameParser
    from telephony.mapper import AmiMapper
    parser, mapper, rng = FrameParser(), AmiMapper(lambda: datetime.now(timezone.utc), ["hotline"]), random.Random(9)
    for n in range(calls):
        for message in parser.feed("".join(_call(n, rng, _is_local(n, local_share))).encode()):
            mapper.map(message)
    return mapper.memory()


def memory_after_calls(calls: int, local_share: float = 0.0) -> float | None:
    """VmRSS after `calls` completed calls went through our frame parser → mapper → call model → bus.

    Run in a fresh child process per size so one measurement cannot inherit the other's heap."""
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("fork").Process(target=_memory_child, args=(calls, child, local_share),
                                                       daemon=True)
    proc.start()
    rss = parent.recv()
    proc.join()
    return rss


def _memory_child(calls: int, conn: Any, local_share: float) -> None:
    import gc
    from telephony.ami import FrameParser
    parser, stages, rng = FrameParser(), default_stages(), random.Random(7)
    for n in range(calls):
        for message in parser.feed("".join(_call(n, rng, _is_local(n, local_share))).encode()):
            _run_stages(message, stages)
    gc.collect()
    conn.send(vm_rss_mb())


def load_stages(spec: str | None) -> list[Stage]:
    if not spec:
        return default_stages()
    module, _, factory = spec.partition(":")
    return list(getattr(importlib.import_module(module), factory or "stages")())


async def main_async(port: int, events: int, rounds: int, stages: list[Stage], local_share: float = 0.0) -> None:
    base_times, our_times, delivered = [], [], 0
    for r in range(rounds):
        base_times.append(await run_panoramisk(port))
        elapsed, delivered = await run_link(port, stages)
        our_times.append(elapsed)
        print(f"  round {r + 1}: panoramisk {events / base_times[-1]:>10,.0f} ev/s   "
              f"AmiLink {events / our_times[-1]:>10,.0f} ev/s")
    base, ours = events / min(base_times), events / min(our_times)
    print(f"panoramisk 1.4 alone (no-op callback): {base:>10,.0f} events/s (best of {rounds})")
    print(f"AmiLink → sink → consumer ({len(stages)} stages): {ours:>10,.0f} events/s (best of {rounds}); "
          f"{delivered:,} messages reached the consumer")
    print(f"ratio AmiLink / panoramisk: {ours / base:.2f}  (aim ≥ 1.0)")
    print(f"process memory VmRSS: {vm_rss_mb():.1f} MB")
    small, large = memory_after_calls(100, local_share), memory_after_calls(10_000, local_share)
    print(f"memory after 10,000 calls vs 100 (fresh process each): {large:.1f} MB vs {small:.1f} MB "
          f"(growth {large - small:+.1f} MB; aim: flat)")
    print(f"mapper tables after 2,000 calls ({local_share:.0%} Local): {mapper_tables_after(2000, local_share)} "
          "(aim: all 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stages", help="module:factory returning a list of pipeline stages")
    parser.add_argument("--local-share", type=float, default=0.0,
                        help="share of calls with a Local caller and a Local member (FreePBX shape), 0..1")
    args = parser.parse_args()
    stages = load_stages(args.stages)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("fork").Process(target=serve, args=(args.events, child, args.local_share),
                                                         daemon=True)
    server.start()
    try:
        share, size = parent.recv()
        port = parent.recv()
        print(f"stream: {args.events:,} events, {size / 1e6:.1f} MB, {share:.0%} VarSet, loopback port {port}")
        asyncio.run(main_async(port, args.events, args.rounds, stages, args.local_share))
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
