"""The transition table: for every action, who may take it, from which states, on what scope.

`to_state` is the state the case lands in; None means it follows from the department
assignments (a joint case is 审批中 until every department has completed).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from casework.domain.commands import Action
from casework.domain.enums import OPEN_STATES, AssignmentState as A, Role, State as S
from casework.domain.model import Actor, Assignment, Case
from casework.errors import Conflict, Forbidden


class Scope(Enum):
    CENTRE = "centre"          # the supervision centre / call centre act on any case
    DEPARTMENT = "department"  # the actor's department holds an assignment in the given states
    HANDLER = "handler"        # ... and the actor is its current handler (or the department's clerk)
    LEADER = "leader"          # supervisors anywhere, leaders within their scope


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    from_states: frozenset[S]
    to_state: S | None
    scope: Scope = Scope.CENTRE
    assignment_states: frozenset[A] = frozenset()


def _r(roles: set[Role], states: set[S], to: S | None, scope: Scope = Scope.CENTRE,
       assignment: set[A] | None = None) -> Rule:
    return Rule(frozenset(roles), frozenset(states), to, scope, frozenset(assignment or ()))


CT, SV, CL, HD, LD = Role.CALL_TAKER, Role.SUPERVISOR, Role.CLERK, Role.HANDLER, Role.LEADER
DEPT_OPEN = {S.PENDING_SIGNOFF, S.IN_PROGRESS, S.RETURNED}

TRANSITIONS: dict[Action, Rule] = {
    Action.ACCEPT: _r({CT, SV}, {S.PENDING_REVIEW}, S.PENDING_DISPATCH),
    Action.REVIEW_DISPATCH: _r({CT, SV}, {S.PENDING_REVIEW}, S.PENDING_SIGNOFF),
    Action.INVALIDATE: _r({CT, SV}, {S.PENDING_REVIEW}, S.CLOSED),
    Action.DISPATCH: _r({SV}, {S.PENDING_DISPATCH, S.RETURNED}, None),
    Action.INSIST: _r({SV}, {S.RETURNED}, None),
    Action.CLOSE: _r({SV}, {S.PENDING_DISPATCH, S.RETURNED}, S.CLOSED),
    Action.SIGN: _r({CL}, DEPT_OPEN, None, Scope.DEPARTMENT, {A.PENDING_SIGNOFF}),
    Action.RETURN: _r({CL}, DEPT_OPEN, None, Scope.DEPARTMENT, {A.PENDING_SIGNOFF}),
    Action.TRANSFER: _r({CL}, DEPT_OPEN, None, Scope.DEPARTMENT, {A.PENDING_SIGNOFF}),
    Action.FORWARD: _r({CL, HD}, DEPT_OPEN, None, Scope.HANDLER, {A.IN_PROGRESS}),
    Action.SAVE_OPINION: _r({CL, HD}, DEPT_OPEN, None, Scope.HANDLER, {A.IN_PROGRESS}),
    Action.COMPLETE: _r({CL, HD}, DEPT_OPEN, None, Scope.HANDLER, {A.IN_PROGRESS}),
    Action.APPROVE: _r({SV}, {S.PENDING_APPROVAL}, S.CLOSED),
    Action.REJECT: _r({SV}, {S.PENDING_APPROVAL}, S.IN_PROGRESS),
    Action.URGE: _r({SV, LD, CT}, set(OPEN_STATES), None, Scope.LEADER),
    Action.AMEND_URGE: _r({SV, LD}, set(S) - {S.PENDING_REVIEW}, None, Scope.LEADER),
    Action.REQUEST_EXTENSION: _r({CL, HD}, DEPT_OPEN, None, Scope.DEPARTMENT,
                                 {A.PENDING_SIGNOFF, A.IN_PROGRESS}),
    Action.DECIDE_EXTENSION: _r({SV}, set(OPEN_STATES), None),
    Action.MERGE: _r({SV}, {S.PENDING_REVIEW, S.PENDING_DISPATCH}, None),
    Action.CALLBACK: _r({CT, SV}, {S.CLOSED}, None),
}

# Actions that do not move the case through the workflow and write no flow entry.
SILENT_ACTIONS = frozenset({Action.SAVE_OPINION})


def in_leader_scope(actor: Actor, case: Case) -> bool:
    if actor.leader_scope is None:
        return True
    return bool(actor.leader_scope & case.ever_assigned())


def check(case: Case, actor: Actor, action: Action) -> Assignment | None:
    """Raise unless `actor` may take `action` on `case` now; return the assignment it acts on."""
    rule = TRANSITIONS[action]
    if case.merged_into is not None and action is not Action.CALLBACK:
        raise Conflict("该办件已并入其他办件，请在主办件上办理", code="case_merged")
    if not (rule.roles & actor.roles):
        raise Forbidden(f"您的角色不能执行“{action.label}”", code="role_forbidden")
    if case.state not in rule.from_states:
        raise Conflict(f"办件当前为“{case.state.label}”，不能执行“{action.label}”", code="wrong_state")
    if rule.scope is Scope.LEADER:
        if not actor.has(SV, CT) and not in_leader_scope(actor, case):
            raise Forbidden("该办件不在您的分管范围内", code="out_of_scope")
        return None
    if rule.scope is Scope.CENTRE:
        return None
    return _department_assignment(case, actor, action, rule)


def _department_assignment(case: Case, actor: Actor, action: Action, rule: Rule) -> Assignment:
    assignment = case.assignment_for(actor.department_id)
    if assignment is None:
        raise Forbidden("该办件未派发到您的单位", code="not_assigned")
    if assignment.state not in rule.assignment_states:
        raise Conflict(f"本单位的办理状态为“{assignment.state.label}”，不能执行“{action.label}”",
                       code="wrong_state")
    if rule.scope is Scope.HANDLER and assignment.handler_id != actor.id and CL not in actor.roles:
        raise Forbidden("您不是该办件的当前处理人", code="not_handler")
    return assignment


def _pointless(case: Case, action: Action) -> bool:
    """Actions the rules allow but that have nothing to act on right now."""
    if action is Action.DECIDE_EXTENSION:
        return case.pending_extension() is None
    if action is Action.AMEND_URGE:
        return not case.urgings
    return False


def allowed_actions(case: Case, actor: Actor) -> list[Action]:
    """The buttons this user sees on this case."""
    allowed = []
    for action in TRANSITIONS:
        if _pointless(case, action):
            continue
        try:
            check(case, actor, action)
        except (Forbidden, Conflict):
            continue
        allowed.append(action)
    return allowed


def derive_state(case: Case) -> S:
    """The case state that follows from its department assignments."""
    active = case.active_assignments()
    if not active:
        return S.PENDING_DISPATCH
    states = {a.state for a in active}
    if A.RETURNED in states:
        return S.RETURNED
    if states == {A.COMPLETED}:
        return S.PENDING_APPROVAL
    if states & {A.IN_PROGRESS, A.COMPLETED}:
        return S.IN_PROGRESS
    return S.PENDING_SIGNOFF


def may_manage_attachments(case: Case, actor: Actor) -> bool:
    """管理附件: the centre while the case is open, a department while the case is with it."""
    if case.state not in OPEN_STATES | {S.PENDING_REVIEW} or case.merged_into is not None:
        return False
    if actor.has(SV, CT):
        return True
    assignment = case.assignment_for(actor.department_id)
    return (actor.has(CL, HD) and assignment is not None
            and assignment.state in (A.PENDING_SIGNOFF, A.IN_PROGRESS))
