"""Screen-pop benchmark (issue 5): N connected desks, M calls ringing at once, platform vs a bare relay.

Five processes, so that nobody's work is timed on somebody else's clock and each server's memory
is its own: the orchestrator (this file, no event loop), the PBX simulator (bench/pop_sim.py), the
desks (bench/pop_clients.py: N `websockets` clients, each with a socket to both servers) and the two
servers (bench/pop_servers.py):

1. the bare relay — the AMI stream read from the simulator, each AgentCalled sent as a websocket
   frame to the desk of its Interface, nothing else;
2. the platform — create_app() as it runs: AmiLink → consumer → mapper → CallModel → Bus →
   DeskBridge → Hub → the one desk whose users.phone_ext rings.

Both stay logged in to the same simulator with the same N desks connected. Burst by burst, the same
M calls (same numbers, same agents) ring first for the relay, then for the platform: the simulator
sends that burst's events only to the server whose turn it is, so whatever else runs on this machine
meanwhile falls on both alike. Latency of one pop = the instant its `pop` frame reaches the desk's
websocket client − the instant the simulator handed that call's `AgentCalled` frame to its socket
(the first event of a ring: app_queue's ring_entry() writes AgentCalled, then DialBegin, then
Newstate Ringing). Both are CLOCK_MONOTONIC (time.monotonic_ns), one clock for every process on Linux.

The desk clients are kept quiet so that the harness does not time its own pauses (see
bench/pop_clients.py): they send no keepalive pings of their own (browsers don't; the servers'
heartbeats still run and are answered), their sockets are frozen out of the collector once all are
connected (gc.collect(), gc.freeze()), and their collector is off during each burst. Otherwise 500
pings going out at once set off a full collection in the clients' process in the middle of a burst,
and pops already sent sat unread there for 100+ ms — a stall charged to whichever server's turn it was.
The report says how many collections the clients' process still made during the bursts (aim: none).

Warm-up bursts (the first pops after start: imports, caches) are shown but not counted. Every
burst checks that each call popped exactly once, at its own desk, and nowhere else.

    .venv/bin/python bench/pop.py [--clients 500] [--calls 50] [--rounds 10] [--warmup 1]
                                  [--relay frames|lines] [--no-deflate]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from bench import pop_clients, pop_servers, pop_sim  # noqa: E402
from bench.pop_proc import Child, percentile  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
PREFIXES = ("138", "139", "137", "135", "150", "158", "186", "188", "133", "189", "177", "199")
AIM_P99_MS, AIM_RATIO, AIM_DESK_KB = 30.0, 3.0, 50.0

Plan = list[tuple[str, str, str]]  # (caller number, caller name, desk extension)


@dataclass
class Round:
    latencies: list[float] = field(default_factory=list)  # ms
    expected: int = 0
    misrouted: int = 0      # a pop at a desk whose phone does not ring for that call
    duplicates: int = 0
    strays: int = 0         # a pop for no call of this round
    wrong_ring: int = 0     # the simulator rang another agent than planned (would void the check)
    frames: dict[str, int] = field(default_factory=dict)
    gc: list[tuple[int, float]] = field(default_factory=list)  # the server's GC pauses during the burst
    cpu_ms: float = 0.0     # the server's CPU time from the first call placed to the grace period's end
    client_gc: list[tuple[int, float]] = field(default_factory=list)  # the desk clients' own GC pauses (aim: none)
    client_young: int = 0   # tracked objects the desk clients left to collect after the burst

    @property
    def lost(self) -> int:
        return self.expected - len(self.latencies)

    def line(self) -> str:
        lat = self.latencies
        return (f"{len(lat):>3}/{self.expected} pops  p50 {percentile(lat, 50):7.2f}  p99 {percentile(lat, 99):7.2f}  "
                f"max {max(lat, default=float('nan')):7.2f} ms  misrouted {self.misrouted}  dup {self.duplicates}  "
                f"stray {self.strays}  server CPU {self.cpu_ms:5.0f} ms")


@dataclass
class Phase:
    name: str
    rounds: list[Round] = field(default_factory=list)
    warmups: list[Round] = field(default_factory=list)
    rss_before_kb: int = 0
    rss_desks_kb: int = 0
    rss_end_kb: int = 0
    desks: int = 0
    notes: list[str] = field(default_factory=list)

    def all(self, attr: str) -> int:
        return sum(getattr(r, attr) for r in self.rounds)

    @property
    def latencies(self) -> list[float]:
        return [x for r in self.rounds for x in r.latencies]

    @property
    def burst_p99(self) -> float:
        return percentile([percentile(r.latencies, 99) for r in self.rounds if r.latencies], 50)


def make_plans(args: argparse.Namespace) -> list[Plan]:
    rng = random.Random(args.seed)
    plans = []
    for _ in range(args.warmup + args.rounds):
        desks = rng.sample(range(args.clients), args.calls)
        plans.append([(rng.choice(PREFIXES) + f"{rng.randrange(10 ** 8):08d}", rng.choice(SURNAMES) + "先生",
                       str(8001 + d)) for d in desks])
    return plans


@dataclass
class Server:
    phase: Phase
    child: Child
    port: int = 0
    route: tuple[int, bool] = (0, True)  # the simulator's route() for this server's rounds


def run_round(sim: Child, server: Server, clients: Child, plan: Plan, args: argparse.Namespace) -> Round:
    """One burst at one server: every call placed at once, pops collected, callers hang up."""
    name, child = server.phase.name, server.child
    sim.call("route", port=server.route[0], to_it=server.route[1])
    clients.call("expect", count=len(plan))
    child.call("gc_pauses")
    cpu = child.call("cpu_ns")
    linked = sim.call("place", calls=[(num, caller, f"PJSIP/{ext}") for num, caller, ext in plan],
                      abandon_after=args.abandon)
    got = clients.call("collect", timeout=args.timeout, grace=args.grace)
    cpu = child.call("cpu_ns") - cpu
    pauses = child.call("gc_pauses")
    sent = sim.call("sent_times", linked=linked)
    sim.call("hang_up", linked=linked, timeout=30.0)
    expected = {lid: ext for lid, (_, _, ext) in zip(linked, plan)}
    result = Round(expected=len(expected), frames=got["frames"], gc=pauses, cpu_ms=cpu / 1e6,
                   client_gc=got["gc_pauses"], client_young=got["gc_young"])
    result.wrong_ring = sum(1 for lid, ext in expected.items() if sent.get(lid, (0, ""))[1] != f"PJSIP/{ext}")
    seen: Counter[str] = Counter()
    for srv, desk, lid, arrived in got["pops"]:
        if srv != name or lid not in expected:
            result.strays += 1
        elif expected[lid] != desk:
            result.misrouted += 1
        elif seen[lid]:
            result.duplicates += 1
        elif lid in sent:
            seen[lid] += 1
            result.latencies.append((arrived - sent[lid][0]) / 1e6)
    if got["closed_early"]:
        raise RuntimeError(f"desks lost their socket: {got['closed_early'][:5]}")
    time.sleep(args.settle)  # the server finishes the hang-ups (ended frames, call records) before the next burst
    return result


def connect_desks(server: Server, clients: Child, urls: list[tuple[str, str]], cookie: bool,
                  args: argparse.Namespace) -> None:
    phase = server.phase
    time.sleep(args.settle)
    phase.rss_before_kb = server.child.call("rss")
    connected = clients.call("connect", server=phase.name, urls=urls, cookie=cookie, deflate=not args.no_deflate,
                             wait=300)
    phase.desks = connected["connected"]
    time.sleep(args.settle)
    phase.rss_desks_kb = server.child.call("rss")
    phase.notes.append(f"{phase.desks} desks connected in {connected['seconds']:.1f} s "
                       f"(websocket extensions: {', '.join(connected['extensions']) or 'none'})")


def start_relay(relay: Server, clients: Child, sim_port: int, args: argparse.Namespace) -> None:
    started = relay.child.call("start", sim_port=sim_port, mode=args.relay)
    relay.port, relay.route = started["port"], (started["ami_port"], True)
    connect_desks(relay, clients, [(str(8001 + i), f"ws://127.0.0.1:{relay.port}/ws?ext={8001 + i}")
                                   for i in range(args.clients)], False, args)


def start_app(app: Server, relay: Server, clients: Child, sim_port: int, data_dir: str,
              args: argparse.Namespace) -> None:
    started = app.child.call("start", sim_port=sim_port, desks=args.clients, data_dir=data_dir, wait=600)
    app.port, app.route = started["port"], (relay.route[0], False)
    app.phase.notes.append(f"{args.clients} users seeded in {started['seed_seconds']:.1f} s; "
                           f"the app's model knows {started['agents']} agents")
    users = [(str(8001 + i), f"ct{8001 + i}", pop_servers.PASSWORD) for i in range(args.clients)]
    took = clients.call("login", base=f"http://127.0.0.1:{app.port}", users=users, wait=600)
    app.phase.notes.append(f"{args.clients} logins (POST /api/v1/auth/login) in {took:.1f} s")
    connect_desks(app, clients, [(str(8001 + i), f"ws://127.0.0.1:{app.port}/ws") for i in range(args.clients)],
                  True, args)


def finish(server: Server) -> None:
    phase, child = server.phase, server.child
    phase.rss_end_kb = child.call("rss")
    pauses = [p for r in phase.rounds for p in r.gc]
    full = [ms for gen, ms in pauses if gen == 2]
    phase.notes.append(f"GC pauses during the measured bursts: {len(pauses)}, of which full (gen 2) {len(full)}"
                       f"{f' up to {max(full):.1f} ms' if full else ''}; longest "
                       f"{max((ms for _, ms in pauses), default=0):.1f} ms; a full collection now takes "
                       f"{child.call('full_gc_ms'):.1f} ms")
    info = child.call("info")
    if "relayed" in info:
        phase.notes.append(f"frames relayed: {info['relayed']}")
        return
    phase.notes.append(f"hub: slow disconnects {info['slow_disconnects']}; AMI link up {info['link_up']} "
                       f"(sessions {info['sessions']}, backpressure pauses {info['backpressure_pauses']}); "
                       f"live calls left {info['live_calls']}")
    first, *reloads = info["refreshes_ms"] or [0.0]
    phase.notes.append(f"desk directory: loaded at start in {first:.1f} ms; reloaded every 30 s (beside the bridge, "
                       f"between bursts) {len(reloads)} time(s)"
                       + (f", {', '.join(f'{ms:.1f}' for ms in reloads)} ms" if reloads else ""))


def run(sim: Child, clients: Child, sim_port: int, args: argparse.Namespace) -> list[Phase]:
    """Both servers up and the desks connected to both; then, burst by burst, the same calls at the
    relay and at the platform in turn, so that whatever else this machine does falls on both."""
    relay = Server(Phase("relay"), Child("relay", pop_servers.make_relay))
    app = Server(Phase("app"), Child("app", pop_servers.make_app))
    with tempfile.TemporaryDirectory(prefix="pop-bench-") as data_dir:
        try:
            start_relay(relay, clients, sim_port, args)
            start_app(app, relay, clients, sim_port, data_dir, args)
            if sim.call("sessions") != 2:
                raise RuntimeError("the simulator must have exactly two AMI clients: the relay and the app")
            for i, plan in enumerate(make_plans(args)):
                warm = i < args.warmup
                label = f"warm-up {i + 1}" if warm else f"round {i - args.warmup + 1}"
                for server in (relay, app):
                    result = run_round(sim, server, clients, plan, args)
                    (server.phase.warmups if warm else server.phase.rounds).append(result)
                    print(f"  {server.phase.name:<5} {label:<9} {result.line()}", flush=True)
            for server in (relay, app):
                finish(server)
            clients.call("disconnect")
        finally:
            relay.child.stop()
            app.child.stop()
    return [relay.phase, app.phase]


def report(phases: list[Phase], args: argparse.Namespace, sim_rss: int, clients_rss: int, began: float) -> None:
    relay, app = phases
    print()
    print(f"pop latency, ms (AgentCalled written by the simulator → pop frame at the desk's client), "
          f"{args.rounds} round(s) × {args.calls} calls, {args.clients} desks:")
    print(f"  {'':<34}{'p50':>8}{'p99':>8}{'max':>8}{'burst p99':>11}   pops     lost  misrouted  dup  stray")
    for p in phases:
        lat = p.latencies
        title = f"bare relay ({args.relay}: AMI → ws frame)" if p is relay else "platform (create_app, /ws)"
        print(f"  {title:<34}{percentile(lat, 50):8.2f}{percentile(lat, 99):8.2f}{max(lat, default=0):8.2f}"
              f"{p.burst_p99:11.2f}   {len(lat):>3}/{p.all('expected'):<4}{p.all('lost'):>6}"
              f"{p.all('misrouted'):>11}{p.all('duplicates'):>5}{p.all('strays'):>7}")
    print("  (burst p99: the median over the bursts of each burst's own p99 — one stalled burst moves it less)")
    r50 = percentile(app.latencies, 50) / percentile(relay.latencies, 50)
    r99 = percentile(app.latencies, 99) / percentile(relay.latencies, 99)
    print(f"  ratio platform / relay: p50 {r50:.2f}×, p99 {r99:.2f}×   "
          f"(aim: p99 ≤ {AIM_P99_MS:g} ms and ≤ {AIM_RATIO:g}× the relay)")
    warm = "; ".join(f"{p.name} p50 {percentile([x for r in p.warmups for x in r.latencies], 50):.1f} / max "
                     f"{max((x for r in p.warmups for x in r.latencies), default=0):.1f} ms" for p in phases)
    if args.warmup:
        print(f"  warm-up bursts (first pops after start, not counted): {warm}")
    cpu = [sum(r.cpu_ms for r in p.rounds) / max(len(p.rounds), 1) for p in phases]
    print(f"  server CPU per burst (whole process, from the first call placed to the end of the grace period): "
          f"relay {cpu[0]:.0f} ms, platform {cpu[1]:.0f} ms ({cpu[1] / max(cpu[0], 1e-9):.1f}×)")
    wrong = sum(r.wrong_ring for p in phases for r in p.rounds + p.warmups)
    total = sum(p.all("expected") for p in phases)
    good = sum(len(p.latencies) for p in phases)
    clean = all(p.all(k) == 0 for p in phases for k in ("misrouted", "duplicates", "strays"))
    print(f"  pops received: {good}/{total}, each exactly once and only at its own desk: "
          f"{'yes' if clean and good == total else 'NO'}; every call rang its planned agent: "
          f"{'yes' if wrong == 0 else f'NO ({wrong} did not)'}")
    frames = Counter()
    for r in app.rounds:
        frames.update({k.split()[1]: v for k, v in r.frames.items() if k.startswith("app ")})
    if app.rounds:
        print("  frames at the desks per platform burst: " + ", ".join(
            f"{k} {v / len(app.rounds):.0f}" for k, v in sorted(frames.items())))
    print()
    offered = "not offered" if args.no_deflate else "offered, as browsers do"
    print(f"resident memory (VmRSS; permessage-deflate {offered}):")
    for p in phases:
        per_desk = (p.rss_desks_kb - p.rss_before_kb) / max(p.desks, 1)
        print(f"  {p.name:<5} server: {p.rss_before_kb / 1024:6.1f} MB before desks, "
              f"{p.rss_desks_kb / 1024:6.1f} MB with {p.desks} desks connected → {per_desk:5.1f} KB per desk; "
              f"{p.rss_end_kb / 1024:6.1f} MB after the rounds"
              + (f"   (aim ≤ {AIM_DESK_KB:g} KB per desk)" if p is app else ""))
    print(f"  simulator {sim_rss / 1024:.1f} MB, desk clients {clients_rss / 1024:.1f} MB")
    client_gc = [p for ph in phases for r in ph.rounds + ph.warmups for p in r.client_gc]
    young = max((r.client_young for ph in phases for r in ph.rounds + ph.warmups), default=0)
    print(f"  desk clients' own GC during the bursts (collector off, sockets frozen): {len(client_gc)} collection(s)"
          f"{f' up to {max(ms for _, ms in client_gc):.1f} ms' if client_gc else ''}; at most {young} tracked "
          f"objects left for the collection between bursts")
    for p in phases:
        for note in p.notes:
            print(f"  {p.name}: {note}")
    lost = sum(p.all("lost") + p.all("misrouted") + p.all("duplicates") + p.all("strays") for p in phases)
    print(f"pops lost or misdelivered: {lost}   total time {time.perf_counter() - began:.0f} s   "
          f"load average now {os.getloadavg()[0]:.2f} (other work on this machine shares its CPUs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500, help="connected desks (agents PJSIP/8001…)")
    parser.add_argument("--calls", type=int, default=50, help="calls ringing at once, each at another desk")
    parser.add_argument("--rounds", type=int, default=10, help="measured bursts per server")
    parser.add_argument("--warmup", type=int, default=1, help="bursts per server shown but not counted")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for a burst's pops")
    parser.add_argument("--grace", type=float, default=0.5, help="seconds to wait for pops that must not come")
    parser.add_argument("--settle", type=float, default=1.0, help="quiet seconds between steps")
    parser.add_argument("--abandon", type=float, default=60.0, help="safety: callers hang up after this long")
    parser.add_argument("--relay", choices=("frames", "lines"), default="frames",
                        help="how the bare relay reads AMI: frames split on the blank line, or every line decoded")
    parser.add_argument("--no-deflate", action="store_true",
                        help="desks do not offer permessage-deflate (browsers do)")
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()
    if not 0 < args.calls <= args.clients:
        parser.error("--calls must be between 1 and --clients (each call rings a desk of its own)")
    began = time.perf_counter()
    print(f"bench/pop.py: {args.clients} desks, {args.calls} calls ringing at once, "
          f"{args.warmup} warm-up + {args.rounds} measured burst(s) per server; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    sim = Child("sim", pop_sim.make)
    clients = Child("clients", pop_clients.make)
    try:
        sim_port = sim.call("start", agents=args.clients)
        phases = run(sim, clients, sim_port, args)
        report(phases, args, sim.call("rss"), clients.call("rss"), began)
    finally:
        clients.stop()
        sim.stop()
    bad = sum(p.all("lost") + p.all("misrouted") + p.all("duplicates") + p.all("strays") for p in phases)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
