"""The AMI actions the simulator obeys, answered with Asterisk 20's words (manager.c, app_queue.c)."""
from __future__ import annotations

import asyncio
import hashlib
import secrets
from typing import Awaitable, Callable

from .cli import run_command
from .fields import channel_fields, duration, queue_member_item, queue_params_fields
from .originate import OriginateCall, OriginateRequest
from .pbx import RES_EXISTS, RES_NOSUCHQUEUE, RES_OKAY
from .protocol import Message, error, list_complete, parse_callerid, response
from .session import TRUE_WORDS, AmiSession, event_mask

Handler = Callable[[AmiSession, Message], Awaitable[bool]]
OPEN_ACTIONS = ("login", "logoff", "challenge")


async def dispatch(s: AmiSession, msg: Message) -> bool:
    """process_message(): False closes the connection."""
    action = msg.action
    if not action:
        s.send(error(msg, "Missing action in request"))
        return True
    name = action.lower()
    if not s.authenticated and name not in OPEN_ACTIONS:
        s.send(error(msg, "Permission denied"))
        return True
    handler = HANDLERS.get(name)
    if handler is None:
        s.send(error(msg, f"Invalid/unknown command: {action}. Use Action: ListCommands to show available commands."))
        return True
    return await handler(s, msg)


# -- session actions ----------------------------------------------------------------------------------
def _secret_for(s: AmiSession, username: str) -> str | None:
    for user, secret in s.sim.config.users.items():
        if user.lower() == username.lower():
            return secret
    return None


def _authenticate(s: AmiSession, msg: Message) -> bool:
    secret = _secret_for(s, msg.get("Username"))
    if secret is None:
        return False
    if msg.get("AuthType").lower() == "md5":
        key = msg.get("Key").lower()
        expected = hashlib.md5((s.challenge + secret).encode()).hexdigest()
        return bool(s.challenge) and secrets.compare_digest(key, expected)
    return secrets.compare_digest(msg.get("Secret").encode(), secret.encode())


async def login(s: AmiSession, msg: Message) -> bool:
    if s.authenticated:
        s.send(response(msg, "Success", "Already authenticated"))
        return True
    if not _authenticate(s, msg):
        await asyncio.sleep(s.sim.config.auth_fail_delay)
        s.send(error(msg, "Authentication failed"))
        return False
    s.login(msg.get("Username"), msg.get("Events"))
    s.send(response(msg, "Success", "Authentication accepted"))
    if s.sim.config.fully_booted and "system" in s.mask:
        uptime = str(int(s.sim.clock.now() - s.sim.pbx.started))
        s.send([("Event", "FullyBooted"), ("Privilege", "system,all"), ("Uptime", uptime),
                ("LastReload", uptime), ("Status", "Fully Booted")])
    return True


async def challenge(s: AmiSession, msg: Message) -> bool:
    if msg.get("AuthType").lower() != "md5":
        s.send(error(msg, "Must specify AuthType"))
        return True
    if not s.challenge:
        s.challenge = str(secrets.randbelow(900_000_000) + 100_000_000)
    s.send(response(msg, "Success", None, [("Challenge", s.challenge)]))
    return True


async def logoff(s: AmiSession, msg: Message) -> bool:
    s.send(response(msg, "Goodbye", "Thanks for all the fish."))
    return False


async def ping(s: AmiSession, msg: Message) -> bool:
    s.send(response(msg, "Success", None, [("Ping", "Pong"), ("Timestamp", f"{s.sim.clock.now():.6f}")]))
    return True


async def events(s: AmiSession, msg: Message) -> bool:
    mask = event_mask(msg.get("EventMask"))
    if mask is None:
        s.send(error(msg, "Invalid event mask"))
        return True
    s.mask = mask
    s.send(response(msg, "Success", None, [("Events", "On" if mask else "Off")]))
    return True


async def command(s: AmiSession, msg: Message) -> bool:
    cmd = msg.get("Command").strip()
    if not cmd:
        s.send(error(msg, "No command provided"))
        return True
    ok, lines = run_command(s.sim, cmd)
    s.send(response(msg, "Success" if ok else "Error", "Command output follows", [("Output", line) for line in lines]))
    return True


# -- queue actions ------------------------------------------------------------------------------------
async def queue_add(s: AmiSession, msg: Message) -> bool:
    queue, interface = msg.get("Queue"), msg.get("Interface")
    if not queue or not interface:
        s.send(error(msg, "'Queue' not specified." if not queue else "'Interface' not specified."))
        return True
    penalty = int(msg.get("Penalty")) if msg.get("Penalty").isdigit() else 0
    paused = msg.get("Paused").lower() in TRUE_WORDS
    name = msg.get("MemberName") or interface  # create_queue_member(): no name → the interface
    res = s.sim.pbx.add_member(queue, interface, name, penalty, paused, msg.get("StateInterface"))
    answers = {RES_OKAY: response(msg, "Success", "Added interface to queue"),
               RES_EXISTS: error(msg, "Unable to add interface: Already there"),
               RES_NOSUCHQUEUE: error(msg, "Unable to add interface to queue: No such queue")}
    s.send(answers[res])
    return True


async def queue_remove(s: AmiSession, msg: Message) -> bool:
    queue, interface = msg.get("Queue"), msg.get("Interface")
    if not queue or not interface:
        s.send(error(msg, "Need 'Queue' and 'Interface' parameters."))
        return True
    res = s.sim.pbx.remove_member(queue, interface)
    answers = {RES_OKAY: response(msg, "Success", "Removed interface from queue"),
               RES_EXISTS: error(msg, "Unable to remove interface: Not there"),
               RES_NOSUCHQUEUE: error(msg, "Unable to remove interface from queue: No such queue")}
    s.send(answers[res])
    return True


async def queue_pause(s: AmiSession, msg: Message) -> bool:
    interface, paused_s = msg.get("Interface"), msg.get("Paused")
    if not interface or not paused_s:
        s.send(error(msg, "Need 'Interface' and 'Paused' parameters."))
        return True
    paused = paused_s.lower() in TRUE_WORDS
    if not s.sim.pbx.pause_member(msg.get("Queue"), interface, paused, msg.get("Reason")):
        s.send(error(msg, "Interface not found"))
    else:
        s.send(response(msg, "Success", "Interface paused successfully" if paused
                        else "Interface unpaused successfully"))
    return True


def _with_id(msg: Message, event: str, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """List items written by app_queue: Event, fields, then ActionID last."""
    return [("Event", event)] + fields + ([("ActionID", msg.action_id)] if msg.action_id else [])


async def queue_status(s: AmiSession, msg: Message) -> bool:
    qfilter, mfilter = msg.get("Queue"), msg.get("Member")
    now = s.sim.clock.now()
    s.send(response(msg, "Success", "Queue status will follow", listflag="start"))
    items = 0
    for q in s.sim.pbx.queues.values():
        if qfilter and q.name.lower() != qfilter.lower():
            continue
        s.send(_with_id(msg, "QueueParams", queue_params_fields(q)))
        items += 1
        for m in q.members.values():
            if not mfilter or mfilter in (m.interface, m.name):
                s.send(_with_id(msg, "QueueMember", queue_member_item(m)))
                items += 1
        for entry in q.entries:
            ch = entry.channel
            s.send(_with_id(msg, "QueueEntry", [
                ("Queue", q.name), ("Position", str(entry.position)), ("Channel", ch.name),
                ("Uniqueid", ch.uniqueid), ("CallerIDNum", ch.caller_num or "unknown"),
                ("CallerIDName", ch.caller_name or "unknown"), ("ConnectedLineNum", ch.connected_num or "unknown"),
                ("ConnectedLineName", ch.connected_name or "unknown"), ("Wait", str(int(now - entry.start))),
                ("Priority", "0")]))
            items += 1
    s.send(list_complete(msg, "QueueStatusComplete", items))
    return True


async def queue_summary(s: AmiSession, msg: Message) -> bool:
    qfilter = msg.get("Queue")
    now = s.sim.clock.now()
    s.send(response(msg, "Success", "Queue summary will follow", listflag="start"))
    items = 0
    for q in s.sim.pbx.queues.values():
        if qfilter and q.name.lower() != qfilter.lower():
            continue
        logged = [m for m in q.members.values() if m.status not in (4, 5)]
        available = [m for m in logged if m.status in (0, 1) and not m.paused]
        longest = max((int(now - e.start) for e in q.entries), default=0)
        s.send(_with_id(msg, "QueueSummary", [
            ("Queue", q.name), ("LoggedIn", str(len(logged))), ("Available", str(len(available))),
            ("Callers", str(len(q.entries))), ("HoldTime", str(q.holdtime)), ("TalkTime", str(q.talktime)),
            ("LongestHoldTime", str(longest))]))
        items += 1
    s.send(list_complete(msg, "QueueSummaryComplete", items))
    return True


# -- channel actions ----------------------------------------------------------------------------------
async def core_show_channels(s: AmiSession, msg: Message) -> bool:
    now = s.sim.clock.now()
    s.send(response(msg, "Success", "Channels will follow", listflag="start"))
    chans = sorted(s.sim.pbx.channels.values(), key=lambda ch: ch.created)
    for ch in chans:
        head = [("Event", "CoreShowChannel")] + ([("ActionID", msg.action_id)] if msg.action_id else [])
        s.send(head + channel_fields(ch) + [
            ("Application", ch.application), ("ApplicationData", ch.app_data),
            ("Duration", duration(now - ch.created)), ("BridgeId", ch.bridge_id)])
    s.send(list_complete(msg, "CoreShowChannelsComplete", len(chans)))
    return True


async def hangup(s: AmiSession, msg: Message) -> bool:
    name = msg.get("Channel")
    if not name:
        s.send(error(msg, "No channel specified"))
        return True
    ch = next((c for c in s.sim.pbx.channels.values() if c.name.lower() == name.lower()), None)
    if ch is None:
        s.send(error(msg, "No such channel"))
        return True
    cause = int(msg.get("Cause")) if msg.get("Cause").isdigit() else 16
    s.sim.hangup_channel(ch, cause)
    s.send(response(msg, "Success", "Channel Hungup"))
    return True


def _originate_request(msg: Message) -> OriginateRequest | str:
    channel = msg.get("Channel")
    if not channel:
        return "Channel not specified"
    tech, sep, data = channel.partition("/")
    if not sep or not tech or not data:
        return "Invalid channel"
    priority = msg.get("Priority") or "1"
    if not priority.isdigit():
        return "Invalid priority"
    timeout_ms = msg.get("Timeout")
    num_name = parse_callerid(msg.get("CallerID")) if msg.get("CallerID") else ("", "")
    return OriginateRequest(
        channel=channel, context=msg.get("Context"), exten=msg.get("Exten"), priority=int(priority),
        application=msg.get("Application"), data=msg.get("Data"), caller_id=(num_name[1], num_name[0]),
        variables=tuple(msg.variables()), timeout=int(timeout_ms) / 1000 if timeout_ms.isdigit() else 30.0,
        action_id=msg.action_id, account=msg.get("Account"),
        asynchronous=msg.get("Async").lower() in TRUE_WORDS)


async def originate(s: AmiSession, msg: Message) -> bool:
    req = _originate_request(msg)
    if isinstance(req, str):
        s.send(error(msg, req))
        return True
    call = OriginateCall(s.sim.pbx, req)
    call.begin()
    ok = True if req.asynchronous else await call.result
    s.send(response(msg, "Success", "Originate successfully queued") if ok else error(msg, "Originate failed"))
    return True


HANDLERS: dict[str, Handler] = {
    "login": login, "challenge": challenge, "logoff": logoff, "ping": ping, "events": events,
    "command": command, "queueadd": queue_add, "queueremove": queue_remove, "queuepause": queue_pause,
    "queuestatus": queue_status, "queuesummary": queue_summary, "coreshowchannels": core_show_channels,
    "hangup": hangup, "originate": originate,
}
