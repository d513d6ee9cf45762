"""A miniature of the case workflow for bulk generation.

`History` applies planned events in time order with the same rules as casework.domain (states,
per-department assignments, derive_state, deadlines in working days) and keeps exactly the rows
the real services would have written: the case, its assignments, flow, urgings and extensions.
Events that the state does not allow at their time are skipped, as the service would refuse them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from casework.domain.calendar import WorkCalendar
from casework.domain.commands import Action
from casework.domain.enums import Role

from bench.casework_org import Org, Staff

EPOCH_DAY = date(1970, 1, 1)
OPEN = frozenset({"pending_dispatch", "returned", "pending_signoff", "in_progress", "pending_approval"})
DEPT_OPEN = frozenset({"pending_signoff", "in_progress", "returned"})
ACTIVE = frozenset({"pending_signoff", "in_progress", "completed", "returned"})
CT, SV, CL, HD = (Role.CALL_TAKER.label, Role.SUPERVISOR.label, Role.CLERK.label, Role.HANDLER.label)
_DAY_TEXT: dict[int, str] = {}


def fmt(ts: int | None) -> str | None:
    """Seconds since the naive local epoch -> 'YYYY-MM-DD HH:MM:SS'."""
    if ts is None:
        return None
    day, rest = divmod(int(ts), 86400)
    text = _DAY_TEXT.get(day)
    if text is None:
        text = _DAY_TEXT[day] = (EPOCH_DAY + timedelta(days=day)).isoformat()
    hours, rest = divmod(rest, 3600)
    return f"{text} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


class Deadlines:
    """compute_deadline on the official calendar, cached per (start day, working days)."""

    def __init__(self) -> None:
        self.calendar, self._cache = WorkCalendar(), {}

    def due(self, ts: int, days: int) -> int:
        key = (int(ts) // 86400, days)
        found = self._cache.get(key)
        if found is None:
            due = self.calendar.add_workdays(EPOCH_DAY + timedelta(days=key[0]), days)
            found = self._cache[key] = (due - EPOCH_DAY).days * 86400 + 86399
        return found


@dataclass
class Asg:
    dept: int
    state: str
    lead: bool
    instructions: str
    dispatched: int
    handler: int | None = None
    signed: int | None = None
    completed: int | None = None
    opinion: str = ""
    return_reason: str = ""
    returned: int | None = None


class History:
    def __init__(self, cid: int, org: Org, deadlines: Deadlines, days: int, created: int) -> None:
        self.cid, self.org, self.deadlines, self.days = cid, org, deadlines, days
        self.state, self.disposition, self.created = "pending_review", "forwarded", created
        self.deadline = deadlines.due(created, days)
        self.asg: list[Asg] = []
        self.flow: list[tuple] = []
        self.urgings: list[tuple] = []
        self.extensions: list[list] = []
        self.closed = self.feedback_at = self.resolved = self.satisfaction = self.merged_into = None
        self.result = self.supervision_opinion = self.feedback_opinion = ""
        self.reopen_count = self.return_count = self.urge_count = self.version = 0
        self.updated = created

    # -- bookkeeping ---------------------------------------------------------------------------
    def _record(self, t: int, who: Staff | None, role: str, dept: int | None, action: str, label: str,
                opinion: str, before: str) -> None:
        self.flow.append((self.cid, fmt(t), who.id if who else None, who.name if who else "市民",
                          role if who else "市民", dept, action, label, opinion, before, self.state))
        self.updated = max(self.updated, t)

    def _act(self, t: int, who: Staff | None, role: str, dept: int | None, action: Action, opinion: str,
             before: str) -> bool:
        self.version += 1
        self._record(t, who, role, dept, action.value, action.label, opinion, before)
        return True

    def active(self) -> list[Asg]:
        return [a for a in self.asg if a.state in ACTIVE]

    def assignment(self, dept: int) -> Asg | None:
        return next((a for a in self.asg if a.state in ACTIVE and a.dept == dept), None)

    def derive(self) -> str:
        states = {a.state for a in self.active()}
        if not states:
            return "pending_dispatch"
        if "returned" in states:
            return "returned"
        if states == {"completed"}:
            return "pending_approval"
        return "in_progress" if states & {"in_progress", "completed"} else "pending_signoff"

    def _assign(self, t: int, depts: list[int], lead: int, instructions: str) -> None:
        self.asg.extend(Asg(d, "pending_signoff", d == lead, instructions, t) for d in depts)

    def _centre(self, who: Staff | None) -> int | None:
        return self.org.departments["centre"] if who else None

    def _clerk(self, dept: int) -> Staff:
        return self.org.clerks[dept]

    def _handler(self, dept: int) -> Staff:
        staff = self.org.handlers[dept]
        return staff[self.cid % len(staff)]

    # -- the events ----------------------------------------------------------------------------
    def register(self, t: int, who: Staff | None, route: str, label: str, opinion: str = "",
                 depts: list[int] | None = None, lead: int | None = None) -> bool:
        if route == "front_desk":
            self.state, self.disposition, self.result, self.closed = "closed", "front_desk", opinion, t
        elif route == "invalid":
            self.state, self.disposition, self.closed = "closed", "invalid", t
        elif route == "centre":
            self.state = "pending_dispatch"
        elif route == "department":
            self._assign(t, depts, lead, opinion)
            self.state = "pending_signoff"
        self._record(t, who, CT, self._centre(who), "register", f"登记（{label}）", opinion, "pending_review")
        return True

    def accept(self, t: int, who: Staff) -> bool:
        if self.state != "pending_review":
            return False
        self.state, self.deadline = "pending_dispatch", self.deadlines.due(t, self.days)
        return self._act(t, who, CT, self._centre(who), Action.ACCEPT, "", "pending_review")

    def invalidate(self, t: int, who: Staff, opinion: str) -> bool:
        if self.state != "pending_review":
            return False
        self.state, self.disposition, self.closed, self.result = "closed", "invalid", t, opinion
        return self._act(t, who, CT, self._centre(who), Action.INVALIDATE, opinion, "pending_review")

    def dispatch(self, t: int, who: Staff, depts: list[int], lead: int, opinion: str) -> bool:
        if self.state not in ("pending_dispatch", "returned") or self.merged_into:
            return False
        before = self.state
        for a in self.active():
            if a.state == "returned":
                a.state = "withdrawn"
        keep = {a.dept for a in self.active()}
        self._assign(t, [d for d in depts if d not in keep], lead, opinion)
        for a in self.active():
            a.lead = a.dept == lead
        self.state = self.derive()
        return self._act(t, who, SV, self.org.departments["centre"], Action.DISPATCH, opinion, before)

    def _dept_step(self, dept: int, wanted: str) -> Asg | None:
        a = self.assignment(dept)
        ok = a is not None and a.state == wanted and self.state in DEPT_OPEN and not self.merged_into
        return a if ok else None

    def sign(self, t: int, dept: int) -> bool:
        a = self._dept_step(dept, "pending_signoff")
        if a is None:
            return False
        before, a.handler, a.signed, a.state = self.state, self._handler(dept).id, t, "in_progress"
        self.state = self.derive()
        return self._act(t, self._clerk(dept), CL, dept, Action.SIGN, "", before)

    def give_back(self, t: int, dept: int, reason: str) -> bool:
        a = self._dept_step(dept, "pending_signoff")
        if a is None:
            return False
        before, a.state, a.return_reason, a.returned = self.state, "returned", reason, t
        self.return_count += 1
        self.state = self.derive()
        return self._act(t, self._clerk(dept), CL, dept, Action.RETURN, reason, before)

    def complete(self, t: int, dept: int, opinion: str) -> bool:
        a = self._dept_step(dept, "in_progress")
        if a is None or (a.lead and any(o.state != "completed" for o in self.active() if o is not a)):
            return False
        before, a.opinion, a.state, a.completed = self.state, opinion, "completed", t
        self.state = self.derive()
        return self._act(t, self._handler(dept), HD, dept, Action.COMPLETE, opinion, before)

    def approve(self, t: int, who: Staff, opinion: str) -> bool:
        if self.state != "pending_approval":
            return False
        lead = next((a for a in self.active() if a.lead), None)
        self.result = lead.opinion if lead else self.result
        self.state, self.supervision_opinion, self.closed = "closed", opinion, t
        return self._act(t, who, SV, self.org.departments["centre"], Action.APPROVE, opinion, "pending_approval")

    def callback(self, t: int, who: Staff, resolved: bool, satisfaction: str, reopen: bool, opinion: str) -> bool:
        if self.state != "closed" or self.disposition == "invalid":
            return False
        self.resolved, self.satisfaction, self.feedback_opinion, self.feedback_at = resolved, satisfaction, opinion, t
        if reopen:
            for a in self.active():
                a.state = "withdrawn"
            self.state, self.closed, self.disposition = "pending_dispatch", None, "forwarded"
            self.reopen_count += 1
            self.deadline = self.deadlines.due(t, self.days)
        else:
            self.state = "feedback_done"
        return self._act(t, who, CT, self.org.departments["centre"], Action.CALLBACK, opinion, "closed")

    def urge(self, t: int, who: Staff, opinion: str) -> bool:
        if self.state not in OPEN or self.merged_into:
            return False
        self.urgings.append((self.cid, who.id, who.name, SV, opinion, fmt(t), None))
        self.urge_count += 1
        return self._act(t, who, SV, self.org.departments["centre"], Action.URGE, opinion, self.state)

    def request_extension(self, t: int, dept: int, days: int, reason: str) -> bool:
        a = self.assignment(dept)
        if a is None or a.state not in ("pending_signoff", "in_progress") or self.state not in DEPT_OPEN:
            return False
        if any(e[6] == "pending" for e in self.extensions):
            return False
        who = self._handler(dept)
        self.extensions.append([self.cid, dept, who.id, days, reason, fmt(t), "pending", None, None, ""])
        return self._act(t, who, HD, dept, Action.REQUEST_EXTENSION, reason, self.state)

    def decide_extension(self, t: int, who: Staff, approve: bool, opinion: str) -> bool:
        ext = next((e for e in self.extensions if e[6] == "pending"), None)
        if ext is None or self.state not in OPEN:
            return False
        ext[6:10] = ["approved" if approve else "refused", who.id, fmt(t), opinion]
        if approve:
            self.deadline = self.deadlines.due(self.deadline, ext[3])
        return self._act(t, who, SV, self.org.departments["centre"], Action.DECIDE_EXTENSION, opinion, self.state)

    def merge(self, t: int, who: Staff, target: dict) -> bool:
        if self.state not in ("pending_review", "pending_dispatch"):
            return False
        before, self.merged_into = self.state, target["id"]
        self.state, self.closed, self.result = target["state"], target["closed"], target["result"]
        self.deadline = target["deadline"]
        return self._act(t, who, SV, self.org.departments["centre"], Action.MERGE, "重复来电，并入主办件", before)
