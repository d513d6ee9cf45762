"""Every action of the transition table: one success path and the refusals (role, state, scope)."""
from __future__ import annotations

from copy import deepcopy
from datetime import datetime
from typing import Callable

import pytest

from casework.domain import commands as c
from casework.domain.commands import Action
from casework.domain.enums import AssignmentState as A, Disposition, Role, Satisfaction, Source, State as S
from casework.domain.handlers import apply
from casework.domain.model import Actor, Case, Extension, Urging
from casework.domain.workflow import SILENT_ACTIONS, TRANSITIONS, Scope, allowed_actions, check, derive_state
from casework.errors import Conflict, Forbidden
from tests.unit.fakes import (CALL_TAKER, NOW, SUPERVISOR, TZ, actor_with, asg, clerk, context, handler,
                              make_case, run)

Scenario = tuple[Case, Actor, c.Command]


def _in_progress() -> Case:
    return make_case(S.IN_PROGRESS, asg(1, A.IN_PROGRESS, lead=True))


def _with_urging() -> Case:
    case = _in_progress()
    case.urgings.append(Urging(SUPERVISOR.id, SUPERVISOR.name, "监督管理人员", "请尽快办理", NOW, id=7))
    return case


def _with_extension() -> Case:
    case = _in_progress()
    case.extensions.append(Extension(1, handler(1).id, 2, "需现场核查", NOW, id=3))
    return case


def _merge_ctx():
    return context(merge_target=make_case(S.IN_PROGRESS, asg(1, A.IN_PROGRESS, lead=True), id=50))


# action -> (build the case, the actor, the command, the state after, extra context)
SUCCESS: dict[Action, tuple[Callable[[], Case], Actor, c.Command, S]] = {
    Action.ACCEPT: (lambda: make_case(S.PENDING_REVIEW, source=Source.WEB), CALL_TAKER,
                    c.Accept("受理"), S.PENDING_DISPATCH),
    Action.REVIEW_DISPATCH: (lambda: make_case(S.PENDING_REVIEW, source=Source.WEB), CALL_TAKER,
                             c.ReviewDispatch(departments=(1,)), S.PENDING_SIGNOFF),
    Action.INVALIDATE: (lambda: make_case(S.PENDING_REVIEW, source=Source.SMS), CALL_TAKER,
                        c.Invalidate("广告短信"), S.CLOSED),
    Action.DISPATCH: (lambda: make_case(S.PENDING_DISPATCH), SUPERVISOR,
                      c.Dispatch("请核查", departments=(1, 2), lead=1), S.PENDING_SIGNOFF),
    Action.INSIST: (lambda: make_case(S.RETURNED, asg(1, A.RETURNED, lead=True)), SUPERVISOR,
                    c.Insist("属于贵单位职责"), S.PENDING_SIGNOFF),
    Action.CLOSE: (lambda: make_case(S.PENDING_DISPATCH), SUPERVISOR, c.Close("已电话答复"), S.CLOSED),
    Action.SIGN: (lambda: make_case(S.PENDING_SIGNOFF, asg(1, lead=True)), clerk(1),
                  c.Sign(handler_id=handler(1).id), S.IN_PROGRESS),
    Action.RETURN: (lambda: make_case(S.PENDING_SIGNOFF, asg(1, lead=True)), clerk(1),
                    c.Return("不属本单位职责"), S.RETURNED),
    Action.TRANSFER: (lambda: make_case(S.PENDING_SIGNOFF, asg(1, lead=True)), clerk(1),
                      c.Transfer("请贵单位办理", department_id=3), S.PENDING_SIGNOFF),
    Action.FORWARD: (_in_progress, handler(1), c.Forward("初步核查完毕", handler_id=handler(1, 2).id),
                     S.IN_PROGRESS),
    Action.SAVE_OPINION: (_in_progress, handler(1), c.SaveOpinion("草稿"), S.IN_PROGRESS),
    Action.COMPLETE: (_in_progress, handler(1), c.Complete("已责令停工"), S.PENDING_APPROVAL),
    Action.APPROVE: (lambda: make_case(S.PENDING_APPROVAL, asg(1, A.COMPLETED, lead=True, opinion="已处理")),
                     SUPERVISOR, c.Approve("同意"), S.CLOSED),
    Action.REJECT: (lambda: make_case(S.PENDING_APPROVAL, asg(1, A.COMPLETED, lead=True, opinion="已处理")),
                    SUPERVISOR, c.Reject("答复不完整"), S.IN_PROGRESS),
    Action.URGE: (_in_progress, SUPERVISOR, c.Urge("请今日内答复"), S.IN_PROGRESS),
    Action.AMEND_URGE: (_with_urging, SUPERVISOR, c.AmendUrge("请明日前答复", urging_id=7), S.IN_PROGRESS),
    Action.REQUEST_EXTENSION: (_in_progress, handler(1), c.RequestExtension("需现场核查", days=5),
                               S.IN_PROGRESS),
    Action.DECIDE_EXTENSION: (_with_extension, SUPERVISOR, c.DecideExtension("同意", approve=True),
                              S.IN_PROGRESS),
    Action.MERGE: (lambda: make_case(S.PENDING_DISPATCH, id=51), SUPERVISOR, c.Merge("重复来电", target_id=50),
                   S.IN_PROGRESS),
    Action.CALLBACK: (lambda: make_case(S.CLOSED, closed_at=NOW), CALL_TAKER,
                      c.Callback("满意", satisfaction=Satisfaction.SATISFIED), S.FEEDBACK_DONE),
}


def _ctx(action: Action):
    return _merge_ctx() if action is Action.MERGE else context()


def test_every_action_has_a_scenario_and_a_handler():
    assert set(SUCCESS) == set(TRANSITIONS) == set(Action)
    assert set(c.COMMANDS) == set(Action)


@pytest.mark.parametrize("action", list(SUCCESS), ids=lambda a: a.value)
def test_success_path_moves_state_and_writes_flow(action):
    build, actor, command, expected = SUCCESS[action]
    case = build()
    before = case.state
    entry = run(case, actor, command, _ctx(action))
    assert case.state is expected
    if action in SILENT_ACTIONS:
        assert entry is None
        return
    assert entry is not None and len(case.new_flow) == 1
    assert (entry.actor_id, entry.actor_name) == (actor.id, actor.name)
    assert entry.role == actor.primary_role.label
    assert entry.department_id == actor.department_id
    assert (entry.action, entry.label) == (action.value, action.label)
    assert (entry.from_state, entry.to_state) == (before.value, expected.value)
    assert entry.opinion == command.opinion
    assert entry.at == NOW


def test_save_opinion_is_the_only_silent_action():
    assert SILENT_ACTIONS == {Action.SAVE_OPINION}


def _refused(case: Case, actor: Actor, command: c.Command, error: type, code: str, ctx=None) -> None:
    snapshot = deepcopy(case)
    with pytest.raises(error) as info:
        apply(case, actor, command, ctx or context())
    assert info.value.code == code
    assert case == snapshot, "a refused action must change nothing"


WRONG_ROLES = [(a, r) for a in SUCCESS for r in Role if r not in TRANSITIONS[a].roles]


@pytest.mark.parametrize("action,role", WRONG_ROLES, ids=lambda x: x.value)
def test_wrong_role_is_forbidden(action, role):
    build, _, command, _ = SUCCESS[action]
    _refused(build(), actor_with(role), command, Forbidden, "role_forbidden", _ctx(action))


WRONG_STATES = [(a, s) for a in SUCCESS for s in S if s not in TRANSITIONS[a].from_states]


@pytest.mark.parametrize("action,state", WRONG_STATES, ids=lambda x: x.value)
def test_wrong_state_is_a_conflict(action, state):
    build, actor, command, _ = SUCCESS[action]
    case = build()
    case.state = state
    _refused(case, actor, command, Conflict, "wrong_state", _ctx(action))


DEPT_ACTIONS = [a for a, r in TRANSITIONS.items() if r.scope in (Scope.DEPARTMENT, Scope.HANDLER)]


@pytest.mark.parametrize("action", DEPT_ACTIONS, ids=lambda a: a.value)
def test_other_department_is_forbidden(action):
    build, actor, command, _ = SUCCESS[action]
    other = clerk(3) if Role.CLERK in actor.roles else handler(3)
    _refused(build(), other, command, Forbidden, "not_assigned")


@pytest.mark.parametrize("action", DEPT_ACTIONS, ids=lambda a: a.value)
def test_actor_without_department_is_forbidden(action):
    build, actor, command, _ = SUCCESS[action]
    _refused(build(), actor_with(next(iter(actor.roles)), None), command, Forbidden, "not_assigned")


@pytest.mark.parametrize("action", [a for a in DEPT_ACTIONS if TRANSITIONS[a].scope is Scope.HANDLER],
                         ids=lambda a: a.value)
def test_handler_who_is_not_current_handler_is_forbidden(action):
    build, _, command, _ = SUCCESS[action]
    _refused(build(), handler(1, 2), command, Forbidden, "not_handler")


@pytest.mark.parametrize("action", [a for a in DEPT_ACTIONS if TRANSITIONS[a].scope is Scope.HANDLER],
                         ids=lambda a: a.value)
def test_department_clerk_may_act_for_the_handler(action):
    build, _, command, expected = SUCCESS[action]
    case = build()
    run(case, clerk(1), command)
    assert case.state is expected


@pytest.mark.parametrize("action,assignment_state", [
    (a, s) for a in DEPT_ACTIONS for s in A if s not in TRANSITIONS[a].assignment_states
    and s in (A.PENDING_SIGNOFF, A.IN_PROGRESS, A.COMPLETED, A.RETURNED)], ids=lambda x: x.value)
def test_own_assignment_in_wrong_state_is_a_conflict(action, assignment_state):
    build, actor, command, _ = SUCCESS[action]
    case = make_case(S.IN_PROGRESS, asg(1, assignment_state, lead=True, handler_id=handler(1).id),
                     asg(2, A.IN_PROGRESS))
    _refused(case, actor, command, Conflict, "wrong_state")


@pytest.mark.parametrize("dead", [A.TRANSFERRED, A.WITHDRAWN])
def test_inactive_assignment_does_not_count(dead):
    case = make_case(S.IN_PROGRESS, asg(1, dead, lead=True, handler_id=handler(1).id), asg(2, A.IN_PROGRESS))
    _refused(case, handler(1), c.Complete("x"), Forbidden, "not_assigned")


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.CALLBACK], ids=lambda a: a.value)
def test_merged_case_refuses_everything_but_callback(action):
    build, actor, command, _ = SUCCESS[action]
    case = build()
    case.merged_into = 99
    _refused(case, actor, command, Conflict, "case_merged", _ctx(action))


def test_role_is_checked_before_state():
    case = make_case(S.CLOSED)
    with pytest.raises(Forbidden):
        check(case, clerk(1), Action.DISPATCH)


# --- allowed_actions -------------------------------------------------------------------------

def test_allowed_actions_for_supervisor_on_pending_dispatch():
    allowed = set(allowed_actions(make_case(S.PENDING_DISPATCH), SUPERVISOR))
    assert allowed == {Action.DISPATCH, Action.CLOSE, Action.URGE, Action.MERGE}


def test_allowed_actions_hide_buttons_with_nothing_to_act_on():
    case = make_case(S.PENDING_DISPATCH)
    case.urgings.append(Urging(1, "督办人", "监督管理人员", "请加快", NOW, id=5, dirty=False))
    case.extensions.append(Extension(1, 2, 3, "理由", NOW))
    allowed = set(allowed_actions(case, SUPERVISOR))
    assert {Action.AMEND_URGE, Action.DECIDE_EXTENSION} <= allowed


def test_allowed_actions_for_call_taker_on_review_and_closed():
    assert set(allowed_actions(make_case(S.PENDING_REVIEW), CALL_TAKER)) == {
        Action.ACCEPT, Action.REVIEW_DISPATCH, Action.INVALIDATE}
    assert allowed_actions(make_case(S.CLOSED), CALL_TAKER) == [Action.CALLBACK]


def test_allowed_actions_for_department_users():
    case = make_case(S.IN_PROGRESS, asg(1, A.PENDING_SIGNOFF, lead=True), asg(2, A.IN_PROGRESS))
    assert set(allowed_actions(case, clerk(1))) == {Action.SIGN, Action.RETURN, Action.TRANSFER,
                                                   Action.REQUEST_EXTENSION}
    assert set(allowed_actions(case, handler(2))) == {Action.FORWARD, Action.SAVE_OPINION,
                                                     Action.COMPLETE, Action.REQUEST_EXTENSION}
    assert allowed_actions(case, handler(2, 2)) == [Action.REQUEST_EXTENSION]
    assert allowed_actions(case, clerk(3)) == []
    assert allowed_actions(case, actor_with(Role.ADMIN)) == []


def test_allowed_actions_on_merged_child_is_only_callback_when_closed():
    case = make_case(S.CLOSED, merged_into=50)
    assert allowed_actions(case, SUPERVISOR) == [Action.CALLBACK]
    case.state = S.IN_PROGRESS
    assert allowed_actions(case, SUPERVISOR) == []


# --- derive_state ----------------------------------------------------------------------------

@pytest.mark.parametrize("assignment_states,expected", [
    ((), S.PENDING_DISPATCH),
    ((A.WITHDRAWN, A.TRANSFERRED), S.PENDING_DISPATCH),
    ((A.PENDING_SIGNOFF,), S.PENDING_SIGNOFF),
    ((A.PENDING_SIGNOFF, A.PENDING_SIGNOFF, A.WITHDRAWN), S.PENDING_SIGNOFF),
    ((A.PENDING_SIGNOFF, A.IN_PROGRESS), S.IN_PROGRESS),
    ((A.PENDING_SIGNOFF, A.COMPLETED), S.IN_PROGRESS),
    ((A.IN_PROGRESS, A.COMPLETED), S.IN_PROGRESS),
    ((A.COMPLETED,), S.PENDING_APPROVAL),
    ((A.COMPLETED, A.COMPLETED, A.WITHDRAWN), S.PENDING_APPROVAL),
    ((A.RETURNED,), S.RETURNED),
    ((A.RETURNED, A.IN_PROGRESS), S.RETURNED),
    ((A.RETURNED, A.COMPLETED), S.RETURNED),
])
def test_derive_state(assignment_states, expected):
    case = make_case(S.PENDING_DISPATCH, *(asg(i + 1, s, lead=i == 0) for i, s in enumerate(assignment_states)))
    assert derive_state(case) is expected


def test_flow_entry_for_every_transition_records_time_zone():
    case = make_case(S.PENDING_DISPATCH)
    run(case, SUPERVISOR, c.Urge("快办"), context(datetime(2026, 3, 3, 8, 0, tzinfo=TZ)))
    assert case.new_flow[-1].at.tzinfo is TZ
