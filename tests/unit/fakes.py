"""Hand-written builders for the pure domain tests: actors, departments, a fixed clock, cases."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from casework.domain.calendar import WorkCalendar
from casework.domain.enums import AssignmentState, CaseType, Role, Source, State, Urgency
from casework.domain.handlers import Context, apply
from casework.domain.model import Actor, Assignment, Case, FlowEntry

TZ = ZoneInfo("Asia/Shanghai")
# A Monday in an ordinary working fortnight (no holidays until Qingming in April).
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
DEADLINE = datetime(2026, 3, 16, 23, 59, 59, tzinfo=TZ)  # 10 working days after NOW
DEPARTMENTS = frozenset({1, 2, 3, 4})

SUPERVISOR = Actor(1, "监督员甲", frozenset({Role.SUPERVISOR}))
SUPERVISOR_2 = Actor(2, "监督员乙", frozenset({Role.SUPERVISOR}))
CALL_TAKER = Actor(3, "话务员", frozenset({Role.CALL_TAKER}))
ADMIN = Actor(4, "管理员", frozenset({Role.ADMIN}))
CITY_LEADER = Actor(5, "市领导", frozenset({Role.LEADER}), leader_scope=None)


def clerk(dept: int) -> Actor:
    return Actor(100 + dept, f"签收员{dept}", frozenset({Role.CLERK}), department_id=dept)


def handler(dept: int, n: int = 1) -> Actor:
    return Actor(200 + 10 * n + dept, f"办理人{dept}-{n}", frozenset({Role.HANDLER}), department_id=dept)


def dept_leader(*depts: int) -> Actor:
    return Actor(300 + depts[0], f"单位领导{depts}", frozenset({Role.LEADER}),
                 department_id=depts[0], leader_scope=frozenset(depts))


def actor_with(role: Role, dept: int | None = 1) -> Actor:
    """Someone holding only `role`, in department `dept`, with the whole city in scope."""
    return Actor(900, f"只有{role.label}", frozenset({role}), department_id=dept, leader_scope=None)


USER_DEPARTMENTS = {a.id: a.department_id for d in sorted(DEPARTMENTS)
                    for a in (clerk(d), handler(d), handler(d, 2))}


def context(now: datetime = NOW, **kw: object) -> Context:
    kw.setdefault("calendar", WorkCalendar())
    kw.setdefault("department_ids", DEPARTMENTS)
    kw.setdefault("user_departments", USER_DEPARTMENTS)
    return Context(now=now, **kw)  # type: ignore[arg-type]


def asg(dept: int, state: AssignmentState = AssignmentState.PENDING_SIGNOFF, *, lead: bool = False,
        handler_id: int | None = None, opinion: str = "") -> Assignment:
    if handler_id is None and state in (AssignmentState.IN_PROGRESS, AssignmentState.COMPLETED):
        handler_id = handler(dept).id
    return Assignment(dept, state, lead, NOW, handler_id=handler_id, opinion=opinion,
                      completed_at=NOW if state is AssignmentState.COMPLETED else None)


def make_case(state: State = State.PENDING_DISPATCH, *assignments: Assignment, **kw: object) -> Case:
    fields: dict[str, object] = dict(
        title="噪音扰民", content="小区旁工地夜间施工", source=Source.PHONE,
        case_type=CaseType.COMPLAINT, urgency=Urgency.NORMAL, state=state, created_at=NOW,
        deadline=DEADLINE, caller_name="张三", caller_phone="13800138000", id=1)
    fields.update(kw)
    case = Case(**fields)  # type: ignore[arg-type]
    case.assignments.extend(assignments)
    return case


def run(case: Case, actor: Actor, command: object, ctx: Context | None = None) -> FlowEntry | None:
    """Apply `command`; return the flow entry it wrote (None if it wrote none)."""
    before = len(case.new_flow)
    apply(case, actor, command, ctx or context())  # type: ignore[arg-type]
    return case.new_flow[-1] if len(case.new_flow) > before else None


def states(case: Case) -> dict[int, AssignmentState]:
    """Department -> state of its active assignment."""
    return {a.department_id: a.state for a in case.active_assignments()}
