"""A few CLI commands for `Action: Command` (answered as `Output:` lines, as Asterisk 14+ does)."""
from __future__ import annotations


from .config import ASTERISK_VERSION
from .fields import duration
from .host import SimHost


def run_command(sim: SimHost, cmd: str) -> tuple[bool, list[str]]:
    words = cmd.split()
    key = " ".join(words[:3]).lower()
    if key == "core show version":
        return True, [ASTERISK_VERSION]
    if key == "core show uptime":
        up = duration(sim.clock.now() - sim.pbx.started)
        return True, [f"System uptime: {up}", f"Last reload: {up}"]
    if key == "core show channels":
        return True, _channels(sim)
    if " ".join(words[:2]).lower() == "queue show":
        return True, _queues(sim, words[2] if len(words) > 2 else "")
    return False, [f"No such command '{cmd}' (type 'core show help {cmd}' for other possible commands)"]


def _channels(sim: SimHost) -> list[str]:
    chans = sorted(sim.pbx.channels.values(), key=lambda ch: ch.created)
    lines = [f"{'Channel':<32} {'Location':<24} {'State':<7} Application(Data)"]
    for ch in chans:
        lines.append(f"{ch.name:<32} {ch.exten + '@' + ch.context:<24} {ch.state_desc:<7} "
                     f"{ch.application}({ch.app_data})")
    calls = len({ch.linkedid for ch in chans})
    lines += [f"{len(chans)} active channels", f"{calls} active calls"]
    return lines


def _queues(sim: SimHost, only: str) -> list[str]:
    lines = []
    for q in sim.pbx.queues.values():
        if only and q.name != only:
            continue
        sl, sl2 = q.service_levels()
        lines.append(f"{q.name} has {len(q.entries)} calls (max unlimited) in '{q.strategy}' strategy "
                     f"({q.holdtime}s holdtime, {q.talktime}s talktime), W:0, C:{q.completed}, A:{q.abandoned}, "
                     f"SL:{sl:.1f}%, SL2:{sl2:.1f}% within {q.servicelevel}s")
        lines.append("   Members: " if q.members else "   No Members")
        for m in q.members.values():
            state = "paused" if m.paused else "Not in use" if m.status == 1 else f"status {m.status}"
            lines.append(f"      {m.name} ({m.interface}) (dynamic) ({state}) has taken {m.calls} calls")
        lines.append("   Callers: " if q.entries else "   No Callers")
        for e in q.entries:
            lines.append(f"      {e.position}. {e.channel.name} (wait: {duration(sim.clock.now() - e.start)[3:]})")
    return lines
