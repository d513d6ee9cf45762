"""The list items of a resync (CoreShowChannels, QueueStatus) turned into the calls still alive."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from telephony.events import AgentStateChanged, SnapshotCall
from telephony.mapper.values import Message, duration, interface_of, number, text


@dataclass
class Resync:
    """Items collected between HotlineResyncStart and HotlineResyncEnd."""
    channels: list[Message] = field(default_factory=list)
    members: list[Message] = field(default_factory=list)
    entries: list[Message] = field(default_factory=list)

    def add(self, m: Message) -> None:
        {"CoreShowChannel": self.channels, "QueueMember": self.members, "QueueEntry": self.entries}.get(
            m.get("Event", ""), []).append(m)


def live_channels(r: Resync) -> dict[str, tuple[str, str]]:
    """uniqueid → (linkedid, channel name) of every channel listed."""
    return {x.get("Uniqueid", ""): (x.get("Linkedid") or x.get("Uniqueid", ""), x.get("Channel", ""))
            for x in r.channels}


def waiting(r: Resync, queues: frozenset[str], channels: Mapping[str, tuple[str, str]]) -> list[SnapshotCall]:
    calls = []
    for x in r.entries:
        queue, uid = x.get("Queue", ""), x.get("Uniqueid", "")
        if queue in queues:
            linked, channel = channels.get(uid, (uid, x.get("Channel", "")))
            calls.append(SnapshotCall(linked, uid, channel, queue, text(x.get("CallerIDNum")),
                                      text(x.get("CallerIDName")), number(x.get("Position")), number(x.get("Wait"))))
    return calls


def talking(r: Resync, queues: frozenset[str], members: tuple[AgentStateChanged, ...]) -> list[SnapshotCall]:
    """Callers still in the Queue application but not waiting talk to the agent bridged with them."""
    skip = {x.get("Uniqueid", "") for x in r.entries}
    bridges: dict[str, list[Message]] = {}
    for x in r.channels:
        bridges.setdefault(x.get("BridgeId") or "-", []).append(x)
    calls = []
    for x in r.channels:
        queue, uid = x.get("ApplicationData", "").split(",")[0], x.get("Uniqueid", "")
        peers = [y for y in bridges.get(x.get("BridgeId") or "", []) if y is not x]
        if x.get("Application") != "Queue" or queue not in queues or uid in skip or not peers:
            continue
        agent = peers[0].get("Channel", "")
        member = next((a for a in members if a.interface.removesuffix("/n") == interface_of(agent)), None)
        calls.append(SnapshotCall(
            x.get("Linkedid") or uid, uid, x.get("Channel", ""), queue, text(x.get("CallerIDNum")),
            text(x.get("CallerIDName")), 0, 0, member.interface if member else interface_of(agent),
            member.member_name if member else "", _phone_behind(agent, r.channels) or agent,
            duration(peers[0].get("Duration"))))
    return calls


def _phone_behind(channel: str, listed: list[Message]) -> str:
    """For a Local member's ;1, the channel its ;2 is bridged with (the agent's phone); else ''."""
    if not (channel.startswith("Local/") and channel.endswith(";1")):
        return ""
    two = next((x for x in listed if x.get("Channel") == channel[:-1] + "2"), None)
    bridge = two.get("BridgeId", "") if two else ""
    return next((x.get("Channel", "") for x in listed if bridge and x.get("BridgeId") == bridge and x is not two), "")
