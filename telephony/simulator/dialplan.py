"""The dialplan the simulated PBX runs for 12345 calls, and the channel variables Asterisk sets.

Each `Set()` of a plain variable is one Newexten plus one VarSet; variables beginning with `__` are
inherited by every channel the call creates (one VarSet each on the new channel). With app_queue's
setinterfacevar/setqueueentryvar/setqueuevar on, as hotlines configure it, an answered queue call carries
well over a hundred VarSet events, as a real Asterisk 20 does.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Step:
    app: str
    data: str
    variable: tuple[str, str] | None = None
    context: str | None = None        # a subroutine's context (Gosub), else the call's own
    priority: int | None = None


def record_check_steps(queue: str, now: float) -> list[Step]:
    """Gosub(sub-record-check,s,1(q,hotline,force)): arguments, the subroutine's priorities, Return."""
    ctx = "sub-record-check"
    body = [("GotoIf", '$["${ARG1}" = ""]?2:3', None),
            ("Set", "REC_POLICY_MODE_SAVE=${REC_POLICY_MODE}", ("REC_POLICY_MODE_SAVE", "FORCE")),
            ("GotoIf", '$["${BLINDTRANSFER}" = ""]?5', None),
            ("ExecIf", '$["${REC_STATUS}" = "RECORDING"]?Return()', None),
            ("Set", "__REC_STATUS=INITIALIZED", ("__REC_STATUS", "INITIALIZED")),
            ("Set", "NOW=${EPOCH}", ("NOW", str(int(now)))),
            ("Set", "__RECORD_ID=${CHANNEL(name)}", ("__RECORD_ID", queue)),
            ("GotoIf", '$["${ARG3}" = "force"]?recq,1', None),
            ("Set", "__REC_STATUS=RECORDING", ("__REC_STATUS", "RECORDING")),
            ("Return", "", None)]
    steps = [Step("Gosub", f"sub-record-check,s,1(q,{queue},force)")]
    steps += [Step("", "", (f"ARG{i}", v)) for i, v in enumerate(("q", queue, "force"), start=1)]
    steps += [Step(app, data, var, ctx, i) for i, (app, data, var) in enumerate(body, start=1)]
    steps.append(Step("", "", ("GOSUB_RETVAL", "")))
    return steps


def recording_name(queue: str, caller: str, now: float, uniqueid: str) -> tuple[str, str]:
    """(`YYYY/MM/DD`, `q-hotline-13800138000-20240501-101010-1714529410.26`), FreePBX style."""
    t = datetime.fromtimestamp(now)
    stem = f"q-{queue}-{caller or 'anonymous'}-{t:%Y%m%d-%H%M%S}-{uniqueid}"
    return f"{t:%Y/%m/%d}", stem


def inbound_steps(*, number: str, name: str, queue: str, channel: str, uniqueid: str, now: float,
                  monitor_dir: str, timeout: int, hotline: str) -> list[Step]:
    """The priorities of `[from-pstn] exten => 12345` up to and including Queue()."""
    t = datetime.fromtimestamp(now)
    day, stem = recording_name(queue, number, now, uniqueid)
    sets = [
        ("__FROM_DID", hotline), ("__DIRECTION", "INBOUND"), ("__CALLINGNAMEPRES_SV", "allowed_not_screened"),
        ("__CALLINGNUMPRES_SV", "allowed_not_screened"), ("__DID", hotline), ("__HOTLINE", hotline),
        ("__CALLERID_NUMBER", number),
    ]
    steps = [Step("NoOp", f"12345 inbound call from {number or 'anonymous'}")]
    steps += [Step("Set", f"{k}={v}", (k, v)) for k, v in sets]
    if name:
        steps.append(Step("Set", f"CALLERID(name)={name}"))
    steps.append(Step("Set", "CHANNEL(language)=zh"))
    more = [
        ("__MOHCLASS", "default"), ("__TIMESTR", f"{t:%Y%m%d-%H%M%S}"), ("__YEAR", f"{t:%Y}"),
        ("__MONTH", f"{t:%m}"), ("__DAY", f"{t:%d}"), ("__MIXMON_DIR", f"{monitor_dir}/"), ("__MON_FMT", "wav"),
        ("__REC_POLICY_MODE", "FORCE"), ("__REC_STATUS", "RECORDING"), ("__CALLFILENAME", stem),
        ("MONITOR_FILENAME", f"{monitor_dir}/{day}/{stem}"), ("__Q_NAME", queue), ("__Q_SOURCE", "PSTN"),
        ("__Q_ENTRY_EPOCH", str(int(now))), ("__Q_PRIORITY", "0"), ("QUEUE_PRIO", "0"), ("__NODEST", queue),
        ("__BLKVM_CHANNEL", channel), ("__TTL", "64"),
    ]
    steps += [Step("Set", f"{k}={v}", (k, v)) for k, v in more]
    steps.append(Step("Answer", ""))
    steps += record_check_steps(queue, now)
    steps.append(Step("Queue", f"{queue},t,,,{timeout}"))
    return steps


def inherited(variables: dict[str, str]) -> list[tuple[str, str]]:
    """ast_channel_inherit_variables(): `__X` stays `__X`, `_X` becomes `X` on the child."""
    out = []
    for key, value in variables.items():
        if key.startswith("__"):
            out.append((key, value))
        elif key.startswith("_"):
            out.append((key[1:], value))
    return out


def interface_vars(interface: str, name: str, calls: int, last_call: int, penalty: int) -> list[tuple[str, str]]:
    """setinterfacevar=yes: MEMBER* variables on the caller and the answering member's channel."""
    return [("MEMBERINTERFACE", interface), ("MEMBERNAME", name), ("MEMBERCALLS", str(calls)),
            ("MEMBERLASTCALL", str(last_call)), ("MEMBERPENALTY", str(penalty)), ("MEMBERDYNAMIC", "1"),
            ("MEMBERREALTIME", "0")]


def entry_vars(holdtime: int, original_position: int) -> list[tuple[str, str]]:
    """setqueueentryvar=yes."""
    return [("QEHOLDTIME", str(holdtime)), ("QEORIGINALPOS", str(original_position))]


def queue_vars(name: str, strategy: str, calls: int, holdtime: int, talktime: int, completed: int,
               abandoned: int, servicelevel: int, sl_perf: float) -> list[tuple[str, str]]:
    """setqueuevar=yes: set_queue_variables()."""
    return [("QUEUENAME", name), ("QUEUEMAX", "0"), ("QUEUESTRATEGY", strategy), ("QUEUECALLS", str(calls)),
            ("QUEUEHOLDTIME", str(holdtime)), ("QUEUETALKTIME", str(talktime)),
            ("QUEUECOMPLETED", str(completed)), ("QUEUEABANDONED", str(abandoned)),
            ("QUEUESRVLEVEL", str(servicelevel)), ("QUEUESRVLEVELPERF", f"{sl_perf:.1f}")]


def rtp_qos(rng: random.Random, talk_seconds: float, bridged: bool) -> list[tuple[str, str]]:
    """chan_pjsip on hang-up: RTPAUDIOQOS* on the channel, *BRIDGED on its bridge peer."""
    packets = int(max(talk_seconds, 0) * 50)
    jitter = rng.uniform(0.0001, 0.004)
    rtt = rng.uniform(0.01, 0.06)
    qos = (f"ssrc={rng.getrandbits(31)};themssrc={rng.getrandbits(31)};lp=0;rxjitter={jitter:.6f};"
           f"rxcount={packets};txjitter=0.000000;txcount={packets};rlp=0;rtt={rtt:.6f};"
           f"rxmes=4.{rng.randint(30, 40)};txmes=4.{rng.randint(30, 40)}")
    suffix = "BRIDGED" if bridged else ""
    return [(f"RTPAUDIOQOS{suffix}", qos),
            (f"RTPAUDIOQOSJITTER{suffix}", f"minrxjitter=0.000000;maxrxjitter={jitter * 2:.6f};"
                                           f"avgrxjitter={jitter:.6f};stdevrxjitter=0.000{rng.randint(100, 999)}"),
            (f"RTPAUDIOQOSLOSS{suffix}", "minrxlost=0.000000;maxrxlost=0.000000;avgrxlost=0.000000;"
                                         "stdevrxlost=0.000000"),
            (f"RTPAUDIOQOSRTT{suffix}", f"minrtt={rtt:.6f};maxrtt={rtt:.6f};avgrtt={rtt:.6f};stdevrtt=0.000000")]


def pvt_call_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}-{rng.getrandbits(32):08x}@10.0.0.{rng.randint(2, 250)}"
