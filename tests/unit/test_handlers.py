"""What each action does to the case beyond its state, and the input refusals (Invalid) that change nothing."""
from __future__ import annotations

from copy import deepcopy
from datetime import datetime

import pytest

from casework.domain import commands as c
from casework.domain.enums import AssignmentState as A, Disposition, Source, State as S
from casework.domain.handlers import apply
from casework.domain.model import Case
from casework.errors import Conflict, Forbidden, Invalid
from tests.unit.fakes import (CALL_TAKER, DEADLINE, NOW, SUPERVISOR, TZ, asg, clerk, context, handler,
                              make_case, run, states)

LATER = datetime(2026, 3, 4, 15, 30, tzinfo=TZ)  # a Wednesday


def refused(case: Case, actor, command, error=Invalid, ctx=None) -> Exception:
    snapshot = deepcopy(case)
    with pytest.raises(error) as info:
        apply(case, actor, command, ctx or context())
    assert case == snapshot, "a refused action must change nothing"
    return info.value


# --- review -----------------------------------------------------------------------------------

def test_accept_restarts_the_deadline_from_the_review_day():
    case = make_case(S.PENDING_REVIEW, source=Source.WEB, deadline=NOW)
    run(case, CALL_TAKER, c.Accept(), context(LATER, deadline_days=5))
    assert case.deadline == datetime(2026, 3, 11, 23, 59, 59, tzinfo=TZ)


def test_review_dispatch_creates_lead_assignment_and_restarts_deadline():
    case = make_case(S.PENDING_REVIEW, source=Source.EMAIL, deadline=NOW)
    run(case, SUPERVISOR, c.ReviewDispatch("请核查", departments=(2,)), context(LATER, deadline_days=1))
    (a,) = case.assignments
    assert (a.department_id, a.state, a.is_lead, a.instructions, a.dispatched_at) == (
        2, A.PENDING_SIGNOFF, True, "请核查", LATER)
    assert case.deadline == datetime(2026, 3, 5, 23, 59, 59, tzinfo=TZ)


def test_review_dispatch_with_unknown_department_changes_nothing():
    case = make_case(S.PENDING_REVIEW, source=Source.WEB, deadline=NOW)
    err = refused(case, CALL_TAKER, c.ReviewDispatch(departments=(9,)), ctx=context(LATER))
    assert "departments" in err.fields


def test_invalidate_closes_as_invalid():
    case = make_case(S.PENDING_REVIEW, source=Source.FAX)
    run(case, CALL_TAKER, c.Invalidate("空白传真"))
    assert (case.disposition, case.closed_at, case.result) == (Disposition.INVALID, NOW, "空白传真")


# --- dispatch, close, insist --------------------------------------------------------------------

def test_dispatch_to_two_departments_with_a_lead():
    case = make_case(S.PENDING_DISPATCH)
    run(case, SUPERVISOR, c.Dispatch("限期核查", departments=(1, 2, 1), lead=2))
    assert [(a.department_id, a.is_lead, a.instructions) for a in case.assignments] == [
        (1, False, "限期核查"), (2, True, "限期核查")]
    assert case.state is S.PENDING_SIGNOFF


def test_dispatch_to_one_department_makes_it_lead():
    case = make_case(S.PENDING_DISPATCH)
    run(case, SUPERVISOR, c.Dispatch(departments=(3,)))
    assert case.lead().department_id == 3


@pytest.mark.parametrize("command,field", [
    (c.Dispatch(departments=()), "departments"),
    (c.Dispatch(departments=(1, 7)), "departments"),
    (c.Dispatch(departments=(1, 2)), "lead"),
    (c.Dispatch(departments=(1, 2), lead=3), "lead"),
    (c.Dispatch(departments=(1,), lead=2), "lead"),
])
def test_dispatch_refusals_change_nothing(command, field):
    err = refused(make_case(S.PENDING_DISPATCH), SUPERVISOR, command)
    assert field in err.fields


def test_close_withdraws_every_assignment_and_records_result():
    case = make_case(S.RETURNED, asg(1, A.RETURNED, lead=True), asg(2, A.IN_PROGRESS))
    run(case, SUPERVISOR, c.Close("已由中心直接答复"))
    assert case.active_assignments() == []
    assert all(a.state is A.WITHDRAWN for a in case.assignments)
    assert (case.state, case.result, case.closed_at) == (S.CLOSED, "已由中心直接答复", NOW)


def test_close_requires_a_result():
    assert "opinion" in refused(make_case(S.PENDING_DISPATCH), SUPERVISOR, c.Close("  ")).fields


def test_insist_requires_reason_and_a_returned_department():
    case = make_case(S.RETURNED, asg(1, A.RETURNED, lead=True), asg(2, A.IN_PROGRESS))
    refused(case, SUPERVISOR, c.Insist(""))
    assert "department_id" in refused(case, SUPERVISOR, c.Insist("理由", department_id=2)).fields


def test_insist_on_one_department_of_a_joint_case():
    case = make_case(S.RETURNED, asg(1, A.RETURNED, lead=True), asg(2, A.IN_PROGRESS))
    run(case, SUPERVISOR, c.Insist("属贵单位职责", department_id=1))
    assert states(case) == {1: A.PENDING_SIGNOFF, 2: A.IN_PROGRESS}
    assert case.assignments[0].instructions == "属贵单位职责"
    assert case.state is S.IN_PROGRESS


# --- department -------------------------------------------------------------------------------

def test_sign_sets_handler_and_time():
    case = make_case(S.PENDING_SIGNOFF, asg(1, lead=True))
    run(case, clerk(1), c.Sign(handler_id=handler(1, 2).id), context(LATER))
    a = case.assignments[0]
    assert (a.state, a.handler_id, a.signed_at) == (A.IN_PROGRESS, handler(1, 2).id, LATER)


@pytest.mark.parametrize("handler_id", [None, handler(2).id, 999])
def test_sign_to_a_handler_outside_the_department_is_invalid(handler_id):
    case = make_case(S.PENDING_SIGNOFF, asg(1, lead=True))
    assert "handler_id" in refused(case, clerk(1), c.Sign(handler_id=handler_id)).fields


def test_return_records_reason_and_counts():
    case = make_case(S.PENDING_SIGNOFF, asg(1, lead=True))
    run(case, clerk(1), c.Return("非本单位职责"), context(LATER))
    a = case.assignments[0]
    assert (a.state, a.return_reason, a.returned_at, case.return_count) == (A.RETURNED, "非本单位职责", LATER, 1)


def test_return_requires_a_reason():
    refused(make_case(S.PENDING_SIGNOFF, asg(1, lead=True)), clerk(1), c.Return(" "))


def test_transfer_moves_the_assignment_keeping_lead_and_instructions():
    first = asg(1, lead=True)
    first.instructions = "原处置要求"
    case = make_case(S.PENDING_SIGNOFF, first)
    run(case, clerk(1), c.Transfer(department_id=4), context(LATER))
    old, new = case.assignments
    assert old.state is A.TRANSFERRED and not old.active
    assert (new.department_id, new.state, new.is_lead, new.instructions, new.dispatched_at) == (
        4, A.PENDING_SIGNOFF, True, "原处置要求", LATER)
    assert case.ever_assigned() == {1, 4}


@pytest.mark.parametrize("target", [None, 9, 1, 2])
def test_transfer_refusals(target):
    case = make_case(S.IN_PROGRESS, asg(1, lead=True), asg(2, A.IN_PROGRESS))
    assert "department_id" in refused(case, clerk(1), c.Transfer(department_id=target)).fields


def test_forward_changes_handler_and_keeps_opinion_when_blank():
    case = make_case(S.IN_PROGRESS, asg(1, A.IN_PROGRESS, lead=True, opinion="初稿"))
    entry = run(case, handler(1), c.Forward(handler_id=handler(1, 2).id))
    assert case.assignments[0].handler_id == handler(1, 2).id
    assert case.assignments[0].opinion == "初稿"
    assert entry.from_state == entry.to_state == "in_progress"
    assert refused(case, handler(1), c.Complete("x"), error=Forbidden).code == "not_handler"


def test_forward_to_someone_outside_the_department_is_invalid():
    case = make_case(S.IN_PROGRESS, asg(1, A.IN_PROGRESS, lead=True))
    refused(case, handler(1), c.Forward(handler_id=clerk(2).id))


def test_save_opinion_stores_text_and_requires_it():
    case = make_case(S.IN_PROGRESS, asg(1, A.IN_PROGRESS, lead=True))
    run(case, handler(1), c.SaveOpinion("已核查"))
    assert case.assignments[0].opinion == "已核查" and case.new_flow == []
    refused(case, handler(1), c.SaveOpinion(""))


def test_complete_uses_saved_opinion_and_requires_one():
    case = make_case(S.IN_PROGRESS, asg(1, A.IN_PROGRESS, lead=True))
    refused(case, handler(1), c.Complete(""))
    case.assignments[0].opinion = "已核查处理"
    run(case, handler(1), c.Complete(), context(LATER))
    a = case.assignments[0]
    assert (a.state, a.opinion, a.completed_at) == (A.COMPLETED, "已核查处理", LATER)


def test_lead_cannot_complete_before_co_handlers():
    case = make_case(S.IN_PROGRESS, asg(1, A.IN_PROGRESS, lead=True), asg(2, A.IN_PROGRESS))
    err = refused(case, handler(1), c.Complete("汇总答复"), error=Conflict)
    assert err.code == "co_handlers_open"


# --- supervision centre review --------------------------------------------------------------

def test_approve_takes_result_from_lead():
    case = make_case(S.PENDING_APPROVAL, asg(1, A.COMPLETED, opinion="协办意见"),
                     asg(2, A.COMPLETED, lead=True, opinion="主办汇总答复"))
    run(case, SUPERVISOR, c.Approve("同意办结"), context(LATER))
    assert (case.result, case.supervision_opinion, case.closed_at) == ("主办汇总答复", "同意办结", LATER)


def test_reject_sends_back_lead_by_default():
    case = make_case(S.PENDING_APPROVAL, asg(1, A.COMPLETED), asg(2, A.COMPLETED, lead=True))
    run(case, SUPERVISOR, c.Reject("答复未回应诉求"))
    assert states(case) == {1: A.COMPLETED, 2: A.IN_PROGRESS}
    assert case.assignments[1].completed_at is None
    assert (case.state, case.supervision_opinion) == (S.IN_PROGRESS, "答复未回应诉求")


def test_reject_named_departments():
    case = make_case(S.PENDING_APPROVAL, asg(1, A.COMPLETED), asg(2, A.COMPLETED, lead=True))
    run(case, SUPERVISOR, c.Reject("协办意见不全", departments=(1,)))
    assert states(case) == {1: A.IN_PROGRESS, 2: A.COMPLETED}


@pytest.mark.parametrize("command", [c.Reject(""), c.Reject("x", departments=(3,)),
                                     c.Reject("x", departments=(1, 3))])
def test_reject_refusals(command):
    case = make_case(S.PENDING_APPROVAL, asg(1, A.COMPLETED), asg(2, A.COMPLETED, lead=True))
    refused(case, SUPERVISOR, command)


# --- callback ---------------------------------------------------------------------------------

def test_callback_satisfied_is_feedback_done():
    case = make_case(S.CLOSED, closed_at=NOW)
    run(case, CALL_TAKER, c.Callback("满意", resolved=True), context(LATER))
    assert (case.state, case.resolved, case.feedback_at, case.feedback_opinion) == (
        S.FEEDBACK_DONE, True, LATER, "满意")


def test_callback_unresolved_without_reopen_is_still_feedback_done():
    case = make_case(S.CLOSED, closed_at=NOW)
    run(case, CALL_TAKER, c.Callback("未解决", resolved=False))
    assert case.state is S.FEEDBACK_DONE and case.reopen_count == 0


def test_callback_reopen_requires_unhappy_citizen():
    err = refused(make_case(S.CLOSED, closed_at=NOW), CALL_TAKER, c.Callback("满意", reopen=True))
    assert "reopen" in err.fields


def test_invalid_case_needs_no_callback():
    case = make_case(S.CLOSED, disposition=Disposition.INVALID, closed_at=NOW)
    assert refused(case, CALL_TAKER, c.Callback(), error=Conflict).code == "invalid_case"


def test_deadline_of_fixture_is_ten_working_days():
    case = make_case(S.PENDING_REVIEW, source=Source.WEB, deadline=NOW)
    run(case, CALL_TAKER, c.Accept())
    assert case.deadline == DEADLINE
