"""Planning one generated case: its text, source, route and the timed events of its life.

Every case gets a plan of events (register, accept, dispatch, sign, return, complete, approve,
call-back, urging, extension, merge, reopen); `casework_history.History` replays the ones whose
time has come, so the state of each case follows from its age the way it would in production.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from casework.domain.deadlines import deadline_days
from casework.domain.enums import CaseType, Urgency
from casework.search.text import index_text

from bench.casework_history import Deadlines, History, fmt
from bench.casework_org import Org
from bench.casework_text import (ANSWERS, INVALID, OPINIONS, RETURN_REASONS, URGE_OPINIONS, Text, caller,
                                 compose)

HOUR, DAY = 3600, 86400
SOURCES = ("phone", "web", "sms", "email", "fax"), (72, 12, 7, 5, 4)
PHONE_ROUTES = ("front_desk", "invalid", "centre", "department"), (28, 5, 57, 10)
STUCK_STAGE = (0, 1, 2, 3), (5, 20, 65, 10)
SATISFACTION = ("satisfied", "basic", "unsatisfied"), (80, 15, 5)
INSTRUCTIONS = "请按职责核实处理，并在办结时限内反馈结果。"
JOINT = "联办件：请主办单位牵头，协办单位配合办理并及时反馈。"


@dataclass
class Generated:
    case: tuple
    assignments: list[tuple]
    flow: list[tuple]
    urgings: list[tuple]
    extensions: list[tuple]
    fts: tuple


class Events:
    def __init__(self) -> None:
        self.items: list[tuple] = []

    def add(self, t: float, stage: int, name: str, *args) -> None:
        self.items.append((int(t), len(self.items), stage, name, args))

    def drop_from(self, first: int, stage: int) -> None:
        """A stuck case: nothing of `stage` or later happens in the round starting at item `first`."""
        self.items[first:] = [e for e in self.items[first:] if not 0 <= stage <= e[2]]


class Planner:
    def __init__(self, org: Org, now: int, seed: int, phones: list[str]) -> None:
        self.org, self.now, self.phones = org, now, phones
        self.rng, self.deadlines = random.Random(seed), Deadlines()
        self.mains: dict[str, dict] = {}
        self.all_departments = sorted(d for k, d in org.departments.items() if k != "centre")

    def _pick(self, table: tuple) -> str:
        return self.rng.choices(table[0], table[1])[0]

    def _sv(self):
        return self.rng.choice(self.org.supervisors)

    def _ct(self):
        return self.rng.choice(self.org.call_takers)

    def _departments(self, text: Text) -> tuple[list[int], int]:
        keys, rng = text.topic.departments, self.rng
        lead = self.org.resolve(keys[0], text.district)
        r = rng.random()
        extra = 1 if r < 0.15 else 2 if r < 0.18 else 0
        others = [self.org.resolve(k, text.district) for k in keys[1:]]
        while len(others) < extra:
            others.append(rng.choice([d for d in self.all_departments if d != lead and d not in others]))
        return [lead, *others[:extra]], lead

    # -- one round: dispatch .. call-back (a reopened case gets a second round) -----------------
    def _round(self, ev: Events, h: History, text: Text, t0: float, dispatch: bool,
               plan: tuple[list[int], int] | None = None, reopen_ok: bool = True) -> None:
        rng, first = self.rng, len(ev.items)
        due = self.deadlines.due(t0, h.days)
        span = due - t0
        stuck = rng.random() < 0.012
        # Most departments finish in the last part of their time; one case in seven runs late.
        on_time = rng.random() < 0.86
        length = span * ((0.99 - 0.94 * rng.random() ** 2) if on_time else 1 + rng.expovariate(2.5))
        length = span * rng.uniform(3, 8) if stuck else length
        depts, lead = plan or self._departments(text)
        if dispatch:
            ev.add(t0 + length * rng.uniform(0, 0.04), 0, "dispatch", self._sv(), depts, lead,
                   JOINT if len(depts) > 1 else INSTRUCTIONS)
        depts, lead = self._signs(ev, t0, length, depts, lead)
        for d in depts:
            if d != lead:
                ev.add(t0 + length * rng.uniform(0.5, 0.85), 2, "complete", d, rng.choice(OPINIONS))
        ev.add(t0 + length * rng.uniform(0.88, 0.97), 2, "complete", lead, rng.choice(OPINIONS))
        ev.add(t0 + length, 3, "approve", self._sv(), "同意办结。")
        self._extras(ev, t0, length, due, lead, stuck)
        if stuck:
            ev.drop_from(first, self._pick(STUCK_STAGE))
        else:
            self._callback(ev, h, text, t0 + length + rng.uniform(2 * HOUR, 3 * DAY), reopen_ok)

    def _signs(self, ev: Events, t0: float, length: float, depts: list[int],
               lead: int) -> tuple[list[int], int]:
        rng = self.rng
        returned = depts[-1] if rng.random() < 0.03 else None
        for d in depts:
            t = t0 + length * rng.uniform(0.05, 0.15)
            if d != returned:
                ev.add(t, 1, "sign", d)
                continue
            ev.add(t, 1, "give_back", d, rng.choice(RETURN_REASONS))
            other = rng.choice([x for x in self.all_departments if x not in depts])
            depts = [other if x == d else x for x in depts]
            lead = other if d == lead else lead
            ev.add(t + length * 0.03, 1, "dispatch", self._sv(), depts, lead, INSTRUCTIONS)
            ev.add(t + length * 0.06, 1, "sign", other)
        return depts, lead

    def _extras(self, ev: Events, t0: float, length: float, due: int, lead: int, stuck: bool) -> None:
        rng = self.rng
        if (stuck or t0 + length > due) and rng.random() < 0.6:
            t = due + rng.uniform(0.1, 3) * DAY
            ev.add(t, -1, "urge", self._sv(), rng.choice(URGE_OPINIONS))
            if rng.random() < 0.3:
                ev.add(t + rng.uniform(3, 10) * DAY, -1, "urge", self._sv(), rng.choice(URGE_OPINIONS))
        elif rng.random() < 0.015:
            ev.add(t0 + length * 0.3, -1, "urge", self._sv(), rng.choice(URGE_OPINIONS))
        if rng.random() < 0.03:
            t = t0 + length * rng.uniform(0.2, 0.4)
            ev.add(t, -1, "request_extension", lead, rng.randint(3, 10), "需协调多个部门现场处置，申请延期。")
            decided = min(t + rng.uniform(4 * HOUR, 2 * DAY), t0 + length * 0.48)
            ev.add(decided, -1, "decide_extension", self._sv(),
                   rng.random() < 0.8, "同意延期。")

    def _callback(self, ev: Events, h: History, text: Text, t: float, reopen_ok: bool) -> None:
        rng = self.rng
        if reopen_ok and rng.random() < 0.015:
            ev.add(t, 4, "callback", self._ct(), False, "unsatisfied", True, "来电人表示问题未解决，要求重办。")
            self._round(ev, h, text, t + rng.uniform(HOUR, 8 * HOUR), True, None, False)
        elif rng.random() < 0.97:
            sat = self._pick(SATISFACTION)
            ev.add(t, 4, "callback", self._ct(), sat != "unsatisfied" or rng.random() < 0.3, sat, False,
                   "回访来电人，来电人对处理结果表示" + {"satisfied": "满意。", "basic": "基本满意。"}.get(sat, "不满意。"))

    # -- routes -------------------------------------------------------------------------------
    def _phone(self, ev: Events, h: History, text: Text, created: int, route: str) -> int | None:
        ct, rng = self._ct(), self.rng
        if route == "front_desk":
            ev.add(created, -1, "register", ct, route, "前台办结", rng.choice(ANSWERS))
            return self.org.resolve(text.topic.departments[0], text.district) if rng.random() < 0.3 else None
        if route == "invalid":
            ev.add(created, -1, "register", ct, route, "无效件")
        elif route == "department":
            depts, lead = self._departments(text)
            ev.add(created, -1, "register", ct, route, "直接转职能单位", INSTRUCTIONS, depts, lead)
            self._round(ev, h, text, created, False, (depts, lead))
        else:
            ev.add(created, -1, "register", ct, route, "转监督指挥中心")
            if not self._merge(ev, text, created):
                self._round(ev, h, text, created + rng.uniform(300, 4 * HOUR), True)
        return None

    def _merge(self, ev: Events, text: Text, created: int) -> bool:
        target = self.mains.get(text.topic.key)
        t = created + self.rng.uniform(600, 2 * HOUR)
        if self.rng.random() >= 0.005 or target is None or not target["created"] < created:
            return False
        if target["close"] is not None and target["close"] <= t:
            return False
        ev.add(t, -1, "merge", self._sv(), target)
        return True

    def _other(self, ev: Events, h: History, text: Text, created: int, source: str) -> None:
        rng = self.rng
        who = None if source == "web" else self._ct()
        ev.add(created, -1, "register", who, "review", "待初审")
        t = created + rng.uniform(0.5 * HOUR, 10 * HOUR)
        if rng.random() < 0.04:
            ev.add(t, -1, "invalidate", self._ct(), "经核实为无效信息。")
            return
        ev.add(t, -1, "accept", self._ct())
        self._round(ev, h, text, t + rng.uniform(600, 4 * HOUR), True)

    # -- one case -----------------------------------------------------------------------------
    def make(self, cid: int, created: int, number: str) -> Generated:
        rng = self.rng
        text, source = compose(rng), self._pick(SOURCES)
        case_type = rng.choice(text.topic.types)
        urgency = "urgent" if rng.random() < (0.12 if case_type == "help" else 0.02) else "normal"
        h = History(cid, self.org, self.deadlines, deadline_days(CaseType(case_type), Urgency(urgency)), created)
        ev, concern, route = Events(), None, "review"
        if source == "phone":
            route = self._pick(PHONE_ROUTES)
            concern = self._phone(ev, h, text, created, route)
        else:
            self._other(ev, h, text, created, source)
        for t, _, _, name, args in sorted(ev.items):
            if t > self.now:
                break
            getattr(h, name)(t, *args)
        if route == "invalid":
            text = Text(text.topic, "无效来电", rng.choice(INVALID), "", "")
        if route == "centre" and h.merged_into is None:
            self.mains[text.topic.key] = {"id": cid, "created": created, "state": h.state, "closed": h.closed,
                                          "result": h.result, "deadline": h.deadline,
                                          "close": h.closed}
        created_by = None if source == "web" else h.flow[0][2]
        phone = rng.choice(self.phones)
        return self._rows(h, text, source, case_type, urgency, number, created_by, concern, phone)

    def _rows(self, h: History, text: Text, source: str, case_type: str, urgency: str, number: str,
              created_by: int | None, concern: int | None, phone: str) -> Generated:
        late = int(h.closed is not None and h.closed > h.deadline)
        case = (h.cid, number, f"{self.rng.randrange(10 ** 6):06d}", text.title, text.content, text.address,
                text.district, caller(self.rng), phone, source, case_type, urgency, h.state, h.disposition,
                fmt(h.created), created_by, fmt(h.deadline), fmt(h.closed), late, h.result, h.supervision_opinion,
                fmt(h.feedback_at), None if h.resolved is None else int(h.resolved), h.satisfaction,
                h.feedback_opinion, h.reopen_count, h.return_count, h.urge_count, h.merged_into, concern, None,
                None, fmt(h.updated), h.version)
        assignments = [(h.cid, a.dept, a.state, int(a.lead), a.instructions, fmt(a.dispatched), a.handler,
                        fmt(a.signed), fmt(a.completed), a.opinion, a.return_reason, fmt(a.returned))
                       for a in h.asg]
        return Generated(case, assignments, h.flow, h.urgings, [tuple(e) for e in h.extensions],
                         (h.cid, index_text(text.title, text.content, text.address)))
