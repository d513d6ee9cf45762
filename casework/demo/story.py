"""One demo case's life, told through the real services with a clock that moves forward.

Each case is taken as far along its path as its age allows: a step that would happen after
'now' does not happen, so young cases stay open and some old ones run overdue, as in life.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from casework.accounts.model import User
from casework.cases.service import CaseService
from casework.clock import ManualClock
from casework.demo.data import DISTRICT_DEPT, FRONT_DESK_ANSWERS, GIVEN, PLACES, SURNAMES, TOPICS
from casework.reference.places import DISTRICTS, STREETS
from casework.domain import commands as c
from casework.domain.enums import CaseType, Satisfaction, Source, State, Urgency
from casework.domain.intake import Intake, Route
from casework.domain.model import Case
from casework.errors import Conflict

STAGES = ("review", "dispatch", "signoff", "in_progress", "approval", "closed", "feedback")


class Stop(Exception):
    """The story has reached 'now' or its chosen end."""


@dataclass
class Cast:
    supervisors: list[User]
    call_takers: list[User]
    clerks: dict[int, User]
    handlers: dict[int, list[User]]
    departments: dict[str, int]


class Storyteller:
    def __init__(self, cases: CaseService, clock: ManualClock, cast: Cast, rng: random.Random, now: datetime) -> None:
        self.cases, self.clock, self.cast, self.rng, self.now = cases, clock, cast, rng, now
        self.callers: list[tuple[str, str]] = []
        self.recent_open: list[tuple[datetime, int]] = []

    def _wait(self, low_hours: float, high_hours: float) -> None:
        self.clock.advance(hours=self.rng.uniform(low_hours, high_hours))
        if self.clock.current > self.now:
            raise Stop()

    def _caller(self) -> tuple[str, str]:
        if self.callers and self.rng.random() < 0.12:
            return self.rng.choice(self.callers)
        name = self.rng.choice(SURNAMES) + self.rng.choice(("先生", "女士", *GIVEN))
        phone = self.rng.choice(("13", "15", "18", "17")) + "".join(self.rng.choices("0123456789", k=9))
        self.callers.append((name, phone))
        return name, phone

    def _fate(self, created: datetime) -> str:
        age = (self.now - created).days
        if age > 45 and self.rng.random() < 0.85:
            return "feedback" if self.rng.random() < 0.93 else "closed"
        return self.rng.choice(STAGES)

    def _intake(self, source: Source, route: Route) -> tuple[Intake, tuple[str, ...]]:
        title, content, depts, ctype = self.rng.choice(TOPICS)
        district = self.rng.choice(DISTRICTS)
        street = self.rng.choice(STREETS[district])
        place = street + self.rng.choice(PLACES)
        addr = f"海口市{district}{place}"
        name, phone = self._caller()
        urgent = ctype == "help" and self.rng.random() < 0.4
        if self.rng.random() < 0.2:
            depts = (*depts, DISTRICT_DEPT[district])
        intake = Intake(title=title.format(place=place), content=content.format(addr=addr), source=source,
                        case_type=CaseType(ctype), route=route, urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
                        caller_name=name, caller_phone=phone, address=addr, district=district,
                        answer=self.rng.choice(FRONT_DESK_ANSWERS) if route is Route.FRONT_DESK else "",
                        concern_department_id=self.cast.departments[depts[0]] if route is Route.FRONT_DESK else None)
        return intake, tuple(dict.fromkeys(depts))

    async def tell(self, created: datetime) -> None:
        self.clock.current = created
        try:
            await self._tell(created)
        except Stop:
            pass
        except Conflict:  # a rule refused a step: the story ends where the rules say
            pass

    async def _tell(self, created: datetime) -> None:
        rng, fate = self.rng, self._fate(created)
        source = rng.choices(list(Source), weights=(75, 10, 5, 5, 5))[0]
        ct = rng.choice(self.cast.call_takers).actor()
        sup = rng.choice(self.cast.supervisors).actor()
        if source is Source.PHONE:
            route = rng.choices((Route.FRONT_DESK, Route.INVALID, Route.DEPARTMENT, Route.CENTRE), (18, 7, 12, 63))[0]
        else:
            route = Route.REVIEW
        intake, dept_keys = self._intake(source, route)
        depts = tuple(self.cast.departments[k] for k in dept_keys)
        if route is Route.DEPARTMENT:
            intake = Intake(**{**intake.__dict__, "departments": depts, "lead": depts[0]})
        case = await self.cases.register(intake, ct)
        if route in (Route.FRONT_DESK, Route.INVALID):
            return
        if route is Route.REVIEW:
            if fate == "review":
                return
            self._wait(0.5, 20)
            if rng.random() < 0.05:
                await self._do(case, ct, c.Invalidate(opinion="内容无实际诉求"))
                return
            await self._do(case, ct, c.Accept(opinion="初审通过"))
        if case.state is State.PENDING_DISPATCH:
            if fate == "dispatch" or await self._maybe_merge(case, sup):
                return
            self.recent_open.append((self.clock.current, case.id))
            self._wait(0.3, 20)
            await self._do(case, sup, c.Dispatch(departments=depts, lead=depts[0], opinion="请按职责核查处理，及时答复市民。"))
        await self._department_work(case, depts, fate, sup, ct)

    async def _do(self, case: Case, actor, command: c.Command) -> Case:
        fresh = await self.cases.perform(case.id, actor, command)
        case.state = fresh.state
        return fresh

    async def _maybe_merge(self, case: Case, sup) -> bool:
        candidates = [cid for at, cid in self.recent_open[-30:] if self.clock.current - at < timedelta(days=3)]
        if not candidates or self.rng.random() > 0.04:
            return False
        self._wait(0.2, 6)
        await self._do(case, sup, c.Merge(target_id=self.rng.choice(candidates), opinion="同一事项重复来电，并单办理"))
        return True

    async def _department_work(self, case: Case, depts: tuple[int, ...], fate: str, sup, ct) -> None:
        rng = self.rng
        if rng.random() < 0.08 and len(depts) >= 1:
            self._wait(1, 30)
            await self._do(case, self.cast.clerks[depts[-1]].actor(), c.Return(opinion="该事项不属于本单位职责范围"))
            if fate == "dispatch":
                return
            self._wait(1, 20)
            if rng.random() < 0.5:
                await self._do(case, sup, c.Insist(department_id=depts[-1], opinion="经核实属于贵单位职责，请办理"))
            else:
                alternative = self.cast.departments[rng.choice(("urban", "longhua", "meilan"))]
                if alternative in depts:
                    return
                depts = (*depts[:-1], alternative)
                await self._do(case, sup, c.Dispatch(departments=(alternative,), lead=depts[0], opinion="重新派发"))
        if rng.random() < 0.1:
            self._wait(2, 60)
            await self._do(case, rng.choice([sup, *(u.actor() for u in self.cast.supervisors)]),
                           c.Urge(opinion="请加快办理进度，按时答复市民。"))
        if fate == "signoff":
            return
        await self._sign_and_complete(case, depts, fate)
        if fate == "in_progress":
            return
        await self._approve_and_callback(case, depts, fate, sup, ct)

    async def _sign_and_complete(self, case: Case, depts: tuple[int, ...], fate: str) -> None:
        rng, handlers = self.rng, {}
        for dept in depts:
            self._wait(0.5, 30)
            handlers[dept] = rng.choice(self.cast.handlers[dept]).actor()
            await self._do(case, self.cast.clerks[dept].actor(), c.Sign(handler_id=handlers[dept].id))
        if rng.random() < 0.06:
            self._wait(4, 48)
            await self._do(case, handlers[depts[0]], c.RequestExtension(days=rng.choice((3, 5, 10)),
                                                                         opinion="需要现场勘查并协调多个部门，申请延期"))
            self._wait(1, 24)
            await self._do(case, rng.choice(self.cast.supervisors).actor(),
                           c.DecideExtension(approve=rng.random() < 0.75, opinion="同意" if rng.random() < 0.75 else "不同意"))
        late = rng.random() < 0.12
        for dept in (*depts[1:], depts[0]):
            self._wait(24 * (9 if late else 0.3), 24 * (16 if late else 6))
            if fate == "in_progress" and dept == depts[0]:
                raise Stop()
            await self._do(case, handlers[dept], c.Complete(opinion=self._result(dept == depts[0])))

    def _result(self, lead: bool) -> str:
        return self.rng.choice(("经现场核查，情况属实，已责令整改，市民诉求已解决。",
                                "已安排工作人员上门处理，问题已解决。", "经核实，已按相关规定处理，并电话告知市民。")) \
            if lead else "已配合主办单位完成核查。"

    async def _approve_and_callback(self, case: Case, depts: tuple[int, ...], fate: str, sup, ct) -> None:
        self._wait(1, 30)
        if fate == "approval":
            return
        await self._do(case, sup, c.Approve(opinion="同意办结"))
        if fate == "closed":
            return
        self._wait(2, 72)
        unhappy = self.rng.random() < 0.1
        satisfaction = Satisfaction.UNSATISFIED if unhappy else self.rng.choices(
            (Satisfaction.SATISFIED, Satisfaction.BASIC), (78, 22))[0]
        reopen = unhappy and self.rng.random() < 0.6
        await self._do(case, ct, c.Callback(resolved=not unhappy, satisfaction=satisfaction, reopen=reopen,
                                            opinion="市民对处理结果不满意，要求重新处理" if unhappy else "市民表示认可"))
        if reopen:
            self._wait(1, 24)
            await self._do(case, sup, c.Dispatch(departments=depts, lead=depts[0], opinion="市民不满意，请重新办理"))
            await self._sign_and_complete(case, depts, "feedback")
            self._wait(1, 30)
            await self._do(case, sup, c.Approve(opinion="同意办结"))
            self._wait(2, 72)
            await self._do(case, ct, c.Callback(resolved=True, satisfaction=Satisfaction.BASIC, opinion="重办后基本满意"))
