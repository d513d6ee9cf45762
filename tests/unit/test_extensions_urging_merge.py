"""Extensions (延期), urging (督办) and its amendment, merging duplicates (并单)."""
from __future__ import annotations

from copy import deepcopy
from datetime import datetime

import pytest

from casework.domain import commands as c
from casework.domain.calendar import WorkCalendar
from casework.domain.enums import AssignmentState as A, Satisfaction, State as S
from casework.domain.handlers import apply
from casework.domain.model import Case, Extension, Urging
from casework.errors import Conflict, Forbidden, Invalid
from tests.unit.fakes import (CALL_TAKER, CITY_LEADER, NOW, SUPERVISOR, SUPERVISOR_2, TZ, asg, clerk,
                              context, dept_leader, handler, make_case, run)


def refused(case: Case, actor, command, error, ctx=None):
    snapshot = deepcopy(case)
    with pytest.raises(error) as info:
        apply(case, actor, command, ctx or context())
    assert case == snapshot, "a refused action must change nothing"
    return info.value


def _eod(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ)


def _joint(deadline: datetime | None = None) -> Case:
    case = make_case(S.IN_PROGRESS, asg(1, A.IN_PROGRESS, lead=True), asg(2, A.PENDING_SIGNOFF))
    if deadline:
        case.deadline = deadline
    return case


# --- extensions --------------------------------------------------------------------------------

def test_request_extension_records_a_pending_request():
    case = _joint()
    entry = run(case, handler(1), c.RequestExtension("需协调第三方", days=7))
    (ext,) = case.extensions
    assert (ext.department_id, ext.requested_by, ext.days, ext.reason, ext.status, ext.requested_at) == (
        1, handler(1).id, 7, "需协调第三方", "pending", NOW)
    assert entry.action == "request_extension" and case.deadline == make_case().deadline


def test_clerk_may_request_before_signing():
    case = _joint()
    run(case, clerk(2), c.RequestExtension("需调取档案", days=1))
    assert case.pending_extension().department_id == 2


@pytest.mark.parametrize("days", [1, 30])
def test_extension_days_bounds_accepted(days):
    case = _joint()
    run(case, handler(1), c.RequestExtension("理由", days=days))
    assert case.extensions[0].days == days


@pytest.mark.parametrize("days", [0, -1, 31, 100])
def test_extension_days_out_of_bounds(days):
    assert "days" in refused(_joint(), handler(1), c.RequestExtension("理由", days=days), Invalid).fields


def test_extension_reason_required():
    assert "opinion" in refused(_joint(), handler(1), c.RequestExtension("  ", days=3), Invalid).fields


def test_only_one_pending_extension():
    case = _joint()
    run(case, handler(1), c.RequestExtension("理由", days=3))
    err = refused(case, clerk(2), c.RequestExtension("另一理由", days=2), Conflict)
    assert err.code == "extension_pending"


def test_a_new_request_after_a_decision_is_allowed():
    case = _joint()
    run(case, handler(1), c.RequestExtension("理由", days=3))
    run(case, SUPERVISOR, c.DecideExtension("不同意", approve=False))
    run(case, handler(1), c.RequestExtension("补充理由", days=2))
    assert [e.status for e in case.extensions] == ["refused", "pending"]


def test_request_extension_by_a_department_not_assigned():
    assert refused(_joint(), handler(3), c.RequestExtension("x", days=1), Forbidden).code == "not_assigned"


@pytest.mark.parametrize("deadline,days,expected", [
    # National Day 2026: Oct 1-7 off, Oct 8/9 working, Sat Oct 10 is a make-up working day.
    (_eod(2026, 9, 30), 1, _eod(2026, 10, 8)),
    (_eod(2026, 9, 30), 3, _eod(2026, 10, 10)),
    (_eod(2026, 9, 30), 4, _eod(2026, 10, 12)),
    # Mid-autumn Sep 25-27 off; Sun Sep 20 is a make-up working day.
    (_eod(2026, 9, 18), 1, _eod(2026, 9, 20)),
    (_eod(2026, 9, 24), 1, _eod(2026, 9, 28)),
    # Spring Festival 2026: Feb 15-23 off; Sat Feb 14 and Sat Feb 28 are make-up working days.
    (_eod(2026, 2, 13), 1, _eod(2026, 2, 14)),
    (_eod(2026, 2, 13), 2, _eod(2026, 2, 24)),
    (_eod(2026, 2, 27), 1, _eod(2026, 2, 28)),
    (_eod(2026, 2, 27), 2, _eod(2026, 3, 2)),
])
def test_approved_extension_moves_deadline_by_working_days(deadline, days, expected):
    case = _joint(deadline)
    run(case, handler(1), c.RequestExtension("理由", days=days))
    entry = run(case, SUPERVISOR, c.DecideExtension("同意延期", approve=True))
    assert case.deadline == expected
    ext = case.extensions[0]
    assert (ext.status, ext.decided_by, ext.decided_at, ext.decision_opinion) == (
        "approved", SUPERVISOR.id, NOW, "同意延期")
    assert entry.action == "decide_extension"


def test_extension_uses_the_context_calendar_overrides():
    case = _joint(_eod(2026, 3, 6))  # Friday
    run(case, handler(1), c.RequestExtension("理由", days=1))
    cal = WorkCalendar({datetime(2026, 3, 9).date(): False, datetime(2026, 3, 7).date(): True})
    run(case, SUPERVISOR, c.DecideExtension(approve=True), context(calendar=cal))
    assert case.deadline == _eod(2026, 3, 7)


def test_refused_extension_leaves_deadline():
    case = _joint(_eod(2026, 9, 30))
    run(case, handler(1), c.RequestExtension("理由", days=5))
    run(case, SUPERVISOR, c.DecideExtension("理由不充分", approve=False))
    assert case.deadline == _eod(2026, 9, 30)
    assert case.extensions[0].status == "refused" and case.pending_extension() is None


def test_decide_without_pending_request_is_a_conflict():
    case = _joint()
    case.extensions.append(Extension(1, handler(1).id, 3, "旧的", NOW, status="approved"))
    assert refused(case, SUPERVISOR, c.DecideExtension(approve=True), Conflict).code == "no_extension"


# --- urging ------------------------------------------------------------------------------------

def test_supervisor_urges_any_open_case():
    case = make_case(S.PENDING_DISPATCH)
    run(case, SUPERVISOR, c.Urge("请加快"))
    (u,) = case.urgings
    assert (u.author_id, u.author_name, u.role, u.opinion, u.created_at) == (
        SUPERVISOR.id, SUPERVISOR.name, "监督管理人员", "请加快", NOW)
    assert case.urge_count == 1


def test_urge_requires_an_opinion():
    assert "opinion" in refused(_joint(), SUPERVISOR, c.Urge(""), Invalid).fields


def test_leader_in_scope_may_urge():
    case = _joint()
    run(case, dept_leader(2), c.Urge("请协办单位配合"))
    assert case.urgings[0].role == "领导" and case.urge_count == 1


def test_leader_scope_counts_departments_ever_assigned():
    case = _joint()
    case.assignments[1].state = A.TRANSFERRED
    run(case, dept_leader(2), c.Urge("继续关注"))
    assert case.urge_count == 1


def test_leader_out_of_scope_is_forbidden():
    assert refused(_joint(), dept_leader(3, 4), c.Urge("x"), Forbidden).code == "out_of_scope"


def test_leader_cannot_urge_undispatched_case_but_city_leader_can():
    case = make_case(S.PENDING_DISPATCH)
    refused(case, dept_leader(1), c.Urge("x"), Forbidden)
    run(case, CITY_LEADER, c.Urge("市领导批示：尽快办理"))
    assert case.urge_count == 1


def test_urging_a_finished_case_is_a_conflict():
    refused(make_case(S.FEEDBACK_DONE), CITY_LEADER, c.Urge("x"), Conflict)


def _urged(author=SUPERVISOR) -> Case:
    case = _joint()
    case.state = S.CLOSED
    case.urgings.append(Urging(author.id, author.name, author.primary_role.label, "原意见", NOW, id=7))
    return case


def test_amend_own_urging_even_after_close():
    case = _urged(CITY_LEADER)
    later = datetime(2026, 3, 3, 10, 0, tzinfo=TZ)
    entry = run(case, CITY_LEADER, c.AmendUrge("修改后意见", urging_id=7), context(later))
    u = case.urgings[0]
    assert (u.opinion, u.updated_at, u.created_at) == ("修改后意见", later, NOW)
    assert case.urge_count == 0 and entry.action == "amend_urge"


def test_supervisor_may_amend_anyone_s_urging():
    case = _urged(CITY_LEADER)
    run(case, SUPERVISOR_2, c.AmendUrge("中心修改", urging_id=7))
    assert case.urgings[0].opinion == "中心修改"


def test_leader_may_not_amend_another_author_s_urging():
    assert refused(_urged(SUPERVISOR), CITY_LEADER, c.AmendUrge("x", urging_id=7),
                   Forbidden).code == "not_author"


@pytest.mark.parametrize("command", [c.AmendUrge("x", urging_id=8), c.AmendUrge("", urging_id=7)])
def test_amend_refusals(command):
    refused(_urged(), SUPERVISOR, command, Invalid)


def test_amend_out_of_scope_leader():
    case = _urged(dept_leader(3))
    assert refused(case, dept_leader(3), c.AmendUrge("x", urging_id=7), Forbidden).code == "out_of_scope"


# --- merge -------------------------------------------------------------------------------------

def _target(state=S.IN_PROGRESS, **kw) -> Case:
    return make_case(state, asg(1, A.IN_PROGRESS, lead=True), id=50, deadline=_eod(2026, 3, 20), **kw)


@pytest.mark.parametrize("state", [S.PENDING_REVIEW, S.PENDING_DISPATCH])
def test_merge_into_open_target(state):
    child = make_case(state, id=51)
    entry = run(child, SUPERVISOR, c.Merge("同一事项", target_id=50), context(merge_target=_target()))
    assert (child.merged_into, child.state, child.deadline) == (50, S.IN_PROGRESS, _eod(2026, 3, 20))
    assert (entry.from_state, entry.to_state) == (state.value, "in_progress")


@pytest.mark.parametrize("state", [S.PENDING_REVIEW, S.PENDING_DISPATCH, S.RETURNED, S.PENDING_APPROVAL])
def test_merge_target_may_be_in_any_open_state(state):
    child = make_case(S.PENDING_DISPATCH, id=51)
    run(child, SUPERVISOR, c.Merge(target_id=50), context(merge_target=_target(state)))
    assert child.state is state


def test_merge_into_itself_or_nothing_is_invalid():
    child = make_case(S.PENDING_DISPATCH, id=51)
    refused(child, SUPERVISOR, c.Merge(target_id=51), Invalid, context(merge_target=child))
    refused(child, SUPERVISOR, c.Merge(target_id=51), Invalid, context(merge_target=deepcopy(child)))
    refused(child, SUPERVISOR, c.Merge(target_id=None), Invalid, context())


@pytest.mark.parametrize("target", [_target(S.CLOSED), _target(S.FEEDBACK_DONE), _target(merged_into=49)])
def test_merge_into_closed_or_merged_target_is_a_conflict(target):
    child = make_case(S.PENDING_DISPATCH, id=51)
    err = refused(child, SUPERVISOR, c.Merge(target_id=50), Conflict, context(merge_target=target))
    assert err.code == "merge_target_closed"


def test_merged_child_refuses_work_but_gets_its_own_callback():
    child = make_case(S.PENDING_DISPATCH, id=51)
    run(child, SUPERVISOR, c.Merge(target_id=50), context(merge_target=_target()))
    for actor, command in [(SUPERVISOR, c.Dispatch(departments=(1,))), (SUPERVISOR, c.Close("x")),
                           (CITY_LEADER, c.Urge("x")), (handler(1), c.Complete("x"))]:
        assert refused(child, actor, command, Conflict).code == "case_merged"
    child.state, child.closed_at = S.CLOSED, NOW  # the target closed; the service closed its children
    run(child, CALL_TAKER, c.Callback("满意"))
    assert child.state is S.FEEDBACK_DONE and child.merged_into == 50


def test_reopening_a_merged_child_detaches_it():
    child = make_case(S.CLOSED, id=51, merged_into=50, closed_at=NOW)
    run(child, CALL_TAKER, c.Callback("不满意", resolved=False, satisfaction=Satisfaction.UNSATISFIED,
                                      reopen=True))
    assert (child.state, child.merged_into, child.reopen_count) == (S.PENDING_DISPATCH, None, 1)
