"""Local channels: which names are one leg of a call.

A Local member (`Local/8001@agents/n`, FreePBX's and Issabel's default) or a Local caller
(`Local/12345@from-citizen`) is a pair of channels, `…;1` facing whoever requested it and `…;2` running
the dialplan; a member's `;2` then dials the phone. All of these are one leg: whoever of them hangs up,
the same party did. Every table is keyed by a live channel name and loses it at that channel's Hangup.
"""
from __future__ import annotations

from typing import Iterable


def local_partner(channel: str) -> str:
    """The other half of a Local channel pair (';1' ↔ ';2'), or '' for any other channel."""
    if channel.startswith("Local/") and channel[-2:] in (";1", ";2"):
        return channel[:-1] + ("2" if channel[-1] == "1" else "1")
    return ""


class LocalLegs:
    """Pairs ;1/;2 halves (LocalBridge, or the suffix with the same Linkedid) and the phone a ;2 dialed."""

    def __init__(self) -> None:
        self._linked: dict[str, str] = {}   # Local channel → its Linkedid (for pairing by suffix)
        self._half: dict[str, str] = {}     # Local channel → its other half
        self._phone: dict[str, str] = {}    # a member's ;2 → the channel it dialed
        self._behind: dict[str, str] = {}   # that dialed channel → the ;2

    def seen(self, channel: str, linked: str) -> None:
        """Newchannel: a Local half pairs with the other half of the same name and Linkedid."""
        partner = local_partner(channel)
        if not partner:
            return
        self._linked[channel] = linked
        if self._linked.get(partner) == linked:
            self.bridged(channel, partner)

    def bridged(self, one: str, two: str) -> None:
        """LocalBridge names both halves (also those whose Newchannel came before a resync)."""
        if one and two:
            self._half[one], self._half[two] = two, one

    def dialed(self, caller: str, dest: str) -> None:
        """DialBegin from a member's ;2: `dest` is the agent's phone. The caller decides it is a member's."""
        if caller.endswith(";2") and caller in self._half and dest:
            old = self._phone.get(caller)
            if old:
                self._behind.pop(old, None)
            self._phone[caller], self._behind[dest] = dest, caller

    def head(self, channel: str) -> str:
        """The name standing for the whole leg: a pair's ;1 (a phone dialed by a ;2 stands for that ;2)."""
        channel = self._behind.get(channel, channel)
        if channel.endswith(";2"):
            return self._half.get(channel, channel)
        return channel

    def phone(self, channel: str) -> str:
        """The phone behind a Local member leg (its ;1 or ;2), or ''."""
        half = self._half.get(channel, "") if channel.endswith(";1") else channel
        return self._phone.get(half, "")

    def gone(self, channel: str) -> None:
        self._linked.pop(channel, None)
        self._half.pop(channel, None)
        phone = self._phone.pop(channel, None)
        if phone is not None and self._behind.get(phone) == channel:
            del self._behind[phone]
        two = self._behind.pop(channel, None)
        if two is not None and self._phone.get(two) == channel:
            del self._phone[two]

    def rebuild(self, channels: Iterable[tuple[str, str]]) -> None:
        """After a resync: the listed (channel, linkedid) pairs are all there is; dialed phones are forgotten."""
        self._linked, self._half, self._phone, self._behind = {}, {}, {}, {}
        for channel, linked in channels:
            self.seen(channel, linked)

    def memory(self) -> int:
        return len(self._linked) + len(self._half) + len(self._phone) + len(self._behind)
