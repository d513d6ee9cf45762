"""CEL and CDR over AMI, as cel_manager and cdr_manager write them when they are loaded.

Off unless the config turns them on (SimulatorConfig.cel / .cdr), as on a stock Asterisk. CEL events
come with the channel events they describe; one Cdr closes each hotline call (Party A the citizen's
channel in the queue, Party B the member leg that answered).
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .model import Channel
from .pbx import Pbx

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime(TIME_FORMAT) if epoch else ""


def cel(pbx: Pbx, ch: Channel, name: str, extra: dict[str, Any] | None = None, peer: str = "") -> None:
    if not pbx.config.cel:
        return
    pbx.emit("CEL", [
        ("EventName", name), ("AccountCode", ch.accountcode), ("CallerIDnum", ch.caller_num),
        ("CallerIDname", ch.caller_name), ("CallerIDani", ch.caller_num), ("CallerIDrdnis", ""),
        ("CallerIDdnid", ""), ("Exten", ch.exten), ("Context", ch.context), ("Channel", ch.name),
        ("Application", ch.application), ("AppData", ch.app_data), ("EventTime", _time(pbx.now())),
        ("AMAFlags", "DOCUMENTATION"), ("UniqueID", ch.uniqueid), ("LinkedID", ch.linkedid), ("UserField", ""),
        ("Peer", peer), ("PeerAccount", ""), ("Extra", json.dumps(extra) if extra else "")])


def hangup_cel(pbx: Pbx, ch: Channel, cause: int) -> None:
    """HANGUP, CHAN_END, and LINKEDID_END once the last channel of the call is gone."""
    if not pbx.config.cel:
        return
    cel(pbx, ch, "HANGUP", {"hangupcause": cause, "hangupsource": "", "dialstatus": ""})
    cel(pbx, ch, "CHAN_END")
    if not any(other.linkedid == ch.linkedid for other in pbx.channels.values()):
        cel(pbx, ch, "LINKEDID_END")


def cdr(pbx: Pbx, party_a: Channel, party_b: Channel | None, answered_at: float, dialplan: tuple[str, str]) -> None:
    """The citizen's CDR at the end of the call; `dialplan` is (LastApplication, LastData)."""
    if not pbx.config.cdr:
        return
    now = pbx.now()
    name = f'"{party_a.caller_name}" <{party_a.caller_num}>' if party_a.caller_name else party_a.caller_num
    pbx.emit("Cdr", [
        ("AccountCode", party_a.accountcode), ("Source", party_a.caller_num),
        ("Destination", pbx.config.hotline_number),
        ("DestinationContext", party_a.context), ("CallerID", name), ("Channel", party_a.name),
        ("DestinationChannel", party_b.name if party_b else ""), ("LastApplication", dialplan[0]),
        ("LastData", dialplan[1]), ("StartTime", _time(party_a.created)), ("AnswerTime", _time(answered_at)),
        ("EndTime", _time(now)), ("Duration", str(int(now - party_a.created))),
        ("BillableSeconds", str(int(now - answered_at)) if answered_at else "0"),
        ("Disposition", "ANSWERED" if answered_at else "NO ANSWER"), ("AMAFlags", "DOCUMENTATION"),
        ("UniqueID", party_a.uniqueid), ("UserField", "")])
