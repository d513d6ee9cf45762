"""What each action does to the case, once `workflow.check` has allowed it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Mapping

from casework.domain import commands as c
from casework.domain.calendar import WorkCalendar
from casework.domain.commands import Action
from casework.domain.deadlines import MAX_EXTENSION_DAYS, compute_deadline, extend_deadline
from casework.domain.enums import (OPEN_STATES, AssignmentState as A, Disposition, Role,
                                   Satisfaction, State as S)
from casework.domain.model import Actor, Assignment, Case, Extension, FlowEntry, Urging
from casework.domain.workflow import SILENT_ACTIONS, TRANSITIONS, check, derive_state
from casework.errors import Conflict, Forbidden, Invalid


@dataclass(frozen=True)
class Context:
    """What the pure domain needs to know about the world, gathered by the service beforehand."""
    now: datetime
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    department_ids: frozenset[int] = frozenset()
    user_departments: Mapping[int, int | None] = field(default_factory=dict)
    deadline_days: int = 10
    merge_target: Case | None = None


def apply(case: Case, actor: Actor, command: c.Command, ctx: Context) -> None:
    """Check, then perform `command`; append the flow entry every transition writes."""
    assignment = check(case, actor, command.action)
    before = case.state
    _HANDLERS[command.action](case, actor, command, ctx, assignment)
    rule = TRANSITIONS[command.action]
    if rule.to_state is not None:
        case.state = rule.to_state
    if command.action not in SILENT_ACTIONS:
        record(case, actor, command.action.value, command.action.label, command.opinion, before, ctx.now)


def record(case: Case, actor: Actor | None, action: str, label: str, opinion: str, before: S,
           now: datetime) -> None:
    case.new_flow.append(FlowEntry(
        at=now, actor_id=actor.id if actor else None, actor_name=actor.name if actor else "市民",
        role=actor.primary_role.label if actor else "市民",
        department_id=actor.department_id if actor else None, action=action, label=label,
        opinion=opinion, from_state=before.value, to_state=case.state.value))


def _require(text: str, field_name: str = "opinion", message: str = "请填写意见") -> None:
    if not text.strip():
        raise Invalid(fields={field_name: message})


def assign(case: Case, departments: tuple[int, ...], lead: int | None, instructions: str,
           ctx: Context, keep: list[Assignment] | None = None) -> None:
    """Create assignments for `departments`; `keep` are the assignments that stay active."""
    keep = keep or []
    wanted = list(dict.fromkeys(departments))
    if not wanted and not keep:
        raise Invalid(fields={"departments": "请至少选择一个处置部门"})
    unknown = [d for d in wanted if d not in ctx.department_ids]
    if unknown:
        raise Invalid(fields={"departments": f"未知的处置部门：{unknown}"})
    kept_ids = {a.department_id for a in keep}
    if kept_ids & set(wanted):
        raise Invalid(fields={"departments": "该部门已在办理此办件"})
    everyone = list(kept_ids) + wanted
    lead = lead if lead is not None else (everyone[0] if len(everyone) == 1 else None)
    if lead not in everyone:
        raise Invalid(fields={"lead": "请从处置部门中指定一个主办单位"})
    for a in keep:
        a.is_lead, a.dirty = a.department_id == lead, True
    for dept in wanted:
        case.assignments.append(Assignment(dept, A.PENDING_SIGNOFF, dept == lead, ctx.now, instructions))


def _withdraw(case: Case, only: set[A] | None = None) -> None:
    for a in case.active_assignments():
        if only is None or a.state in only:
            a.state, a.dirty = A.WITHDRAWN, True


def _accept(case: Case, actor: Actor, cmd: c.Command, ctx: Context, _: Assignment | None) -> None:
    case.deadline = compute_deadline(ctx.now, ctx.deadline_days, ctx.calendar)


def _invalidate(case: Case, actor: Actor, cmd: c.Command, ctx: Context, _: Assignment | None) -> None:
    case.disposition, case.closed_at, case.result = Disposition.INVALID, ctx.now, cmd.opinion


def _dispatch(case: Case, actor: Actor, cmd: c.Dispatch, ctx: Context, _: Assignment | None) -> None:
    # assign() validates before it changes anything, so a refused dispatch leaves the case as it was.
    keep = [a for a in case.active_assignments() if a.state is not A.RETURNED]
    assign(case, cmd.departments, cmd.lead, cmd.opinion, ctx, keep=keep)
    _withdraw(case, {A.RETURNED})
    if case.state is S.PENDING_REVIEW:
        case.deadline = compute_deadline(ctx.now, ctx.deadline_days, ctx.calendar)
    case.state = derive_state(case)


def _insist(case: Case, actor: Actor, cmd: c.Insist, ctx: Context, _: Assignment | None) -> None:
    _require(cmd.opinion, message="请填写派单异议的理由")
    returned = [a for a in case.active_assignments() if a.state is A.RETURNED
                and cmd.department_id in (None, a.department_id)]
    if not returned:
        raise Invalid(fields={"department_id": "该部门没有退回此办件"})
    for a in returned:
        a.state, a.instructions, a.dirty = A.PENDING_SIGNOFF, cmd.opinion, True
    case.state = derive_state(case)


def _close(case: Case, actor: Actor, cmd: c.Command, ctx: Context, _: Assignment | None) -> None:
    _require(cmd.opinion, message="请填写办理结果")
    _withdraw(case)
    case.result, case.closed_at = cmd.opinion, ctx.now


def _member(ctx: Context, user_id: int | None, department_id: int) -> int:
    if user_id is None or ctx.user_departments.get(user_id) != department_id:
        raise Invalid(fields={"handler_id": "请选择本单位的下一处理人"})
    return user_id


def _sign(case: Case, actor: Actor, cmd: c.Sign, ctx: Context, a: Assignment) -> None:
    a.handler_id = _member(ctx, cmd.handler_id, a.department_id)
    a.state, a.signed_at, a.dirty = A.IN_PROGRESS, ctx.now, True
    case.state = derive_state(case)


def _return(case: Case, actor: Actor, cmd: c.Command, ctx: Context, a: Assignment) -> None:
    _require(cmd.opinion, message="请填写退回理由")
    a.state, a.return_reason, a.returned_at, a.dirty = A.RETURNED, cmd.opinion, ctx.now, True
    case.return_count += 1
    case.state = derive_state(case)


def _transfer(case: Case, actor: Actor, cmd: c.Transfer, ctx: Context, a: Assignment) -> None:
    if cmd.department_id not in ctx.department_ids:
        raise Invalid(fields={"department_id": "请选择要发送的外单位"})
    if case.assignment_for(cmd.department_id) is not None:
        raise Invalid(fields={"department_id": "该单位已在办理此办件"})
    a.state, a.dirty = A.TRANSFERRED, True
    case.assignments.append(Assignment(cmd.department_id, A.PENDING_SIGNOFF, a.is_lead, ctx.now,
                                       cmd.opinion or a.instructions))
    case.state = derive_state(case)


def _forward(case: Case, actor: Actor, cmd: c.Forward, ctx: Context, a: Assignment) -> None:
    a.handler_id = _member(ctx, cmd.handler_id, a.department_id)
    if cmd.opinion:
        a.opinion = cmd.opinion
    a.dirty = True


def _save_opinion(case: Case, actor: Actor, cmd: c.Command, ctx: Context, a: Assignment) -> None:
    _require(cmd.opinion, message="请填写职能局处理结果")
    a.opinion, a.dirty = cmd.opinion, True


def _complete(case: Case, actor: Actor, cmd: c.Command, ctx: Context, a: Assignment) -> None:
    opinion = cmd.opinion or a.opinion
    _require(opinion, message="请填写职能局处理结果")
    if a.is_lead and any(o.state is not A.COMPLETED for o in case.active_assignments() if o is not a):
        raise Conflict("协办单位尚未全部办结，主办单位暂不能办结", code="co_handlers_open")
    a.opinion, a.state, a.completed_at, a.dirty = opinion, A.COMPLETED, ctx.now, True
    case.state = derive_state(case)


def _approve(case: Case, actor: Actor, cmd: c.Command, ctx: Context, _: Assignment | None) -> None:
    lead = case.lead()
    case.result = lead.opinion if lead else case.result
    case.supervision_opinion, case.closed_at = cmd.opinion, ctx.now


def _reject(case: Case, actor: Actor, cmd: c.Reject, ctx: Context, _: Assignment | None) -> None:
    _require(cmd.opinion, message="请填写监管意见")
    targets = set(cmd.departments) or {a.department_id for a in case.active_assignments() if a.is_lead}
    chosen = [a for a in case.active_assignments() if a.department_id in targets]
    if not chosen or len(chosen) != len(targets):
        raise Invalid(fields={"departments": "请选择需要重办的部门"})
    for a in chosen:
        a.state, a.completed_at, a.dirty = A.IN_PROGRESS, None, True
    case.supervision_opinion = cmd.opinion


def _urge(case: Case, actor: Actor, cmd: c.Command, ctx: Context, _: Assignment | None) -> None:
    _require(cmd.opinion, message="请填写督办意见")
    case.urgings.append(Urging(actor.id, actor.name, actor.primary_role.label, cmd.opinion, ctx.now))
    case.urge_count += 1


def _amend_urge(case: Case, actor: Actor, cmd: c.AmendUrge, ctx: Context, _: Assignment | None) -> None:
    _require(cmd.opinion, message="请填写督办意见")
    urging = next((u for u in case.urgings if u.id is not None and u.id == cmd.urging_id), None)
    if urging is None:
        raise Invalid(fields={"urging_id": "没有这条督办意见"})
    if urging.author_id != actor.id and not actor.has(Role.SUPERVISOR):
        raise Forbidden("只能修改自己的督办意见", code="not_author")
    urging.opinion, urging.updated_at, urging.dirty = cmd.opinion, ctx.now, True


def _request_extension(case: Case, actor: Actor, cmd: c.RequestExtension, ctx: Context,
                       a: Assignment) -> None:
    _require(cmd.opinion, message="请填写延期理由")
    if not 1 <= cmd.days <= MAX_EXTENSION_DAYS:
        raise Invalid(fields={"days": f"延期天数应为 1 至 {MAX_EXTENSION_DAYS} 个工作日"})
    if case.pending_extension() is not None:
        raise Conflict("已有待审批的延期申请", code="extension_pending")
    case.extensions.append(Extension(a.department_id, actor.id, cmd.days, cmd.opinion, ctx.now))


def _decide_extension(case: Case, actor: Actor, cmd: c.DecideExtension, ctx: Context,
                      _: Assignment | None) -> None:
    ext = case.pending_extension()
    if ext is None:
        raise Conflict("没有待审批的延期申请", code="no_extension")
    ext.status = "approved" if cmd.approve else "refused"
    ext.decided_by, ext.decided_at, ext.decision_opinion, ext.dirty = actor.id, ctx.now, cmd.opinion, True
    if cmd.approve:
        case.deadline = extend_deadline(case.deadline, ext.days, ctx.calendar)


def _merge(case: Case, actor: Actor, cmd: c.Merge, ctx: Context, _: Assignment | None) -> None:
    target = ctx.merge_target
    if target is None or target.id == case.id:
        raise Invalid(fields={"target_id": "请选择要并入的主办件"})
    if target.merged_into is not None or target.state not in OPEN_STATES | {S.PENDING_REVIEW}:
        raise Conflict("主办件已办结或已被并单，不能并入", code="merge_target_closed")
    case.merged_into, case.state, case.deadline = target.id, target.state, target.deadline


def _callback(case: Case, actor: Actor, cmd: c.Callback, ctx: Context, _: Assignment | None) -> None:
    if case.disposition is Disposition.INVALID:
        raise Conflict("无效件无需回访", code="invalid_case")
    unhappy = cmd.satisfaction is Satisfaction.UNSATISFIED or not cmd.resolved
    if cmd.reopen and not unhappy:
        raise Invalid(fields={"reopen": "只有不满意或未解决的办件才能重办"})
    case.resolved, case.satisfaction, case.feedback_opinion = cmd.resolved, cmd.satisfaction, cmd.opinion
    case.feedback_at = ctx.now
    if not cmd.reopen:
        case.state = S.FEEDBACK_DONE
        return
    _withdraw(case)
    case.state, case.closed_at, case.merged_into = S.PENDING_DISPATCH, None, None
    case.disposition = Disposition.FORWARDED
    case.reopen_count += 1
    case.deadline = compute_deadline(ctx.now, ctx.deadline_days, ctx.calendar)


Handler = Callable[[Case, Actor, c.Command, Context, Assignment | None], None]
_HANDLERS: dict[Action, Handler] = {
    Action.ACCEPT: _accept, Action.REVIEW_DISPATCH: _dispatch, Action.INVALIDATE: _invalidate,
    Action.DISPATCH: _dispatch, Action.INSIST: _insist, Action.CLOSE: _close, Action.SIGN: _sign,
    Action.RETURN: _return, Action.TRANSFER: _transfer, Action.FORWARD: _forward,
    Action.SAVE_OPINION: _save_opinion, Action.COMPLETE: _complete, Action.APPROVE: _approve,
    Action.REJECT: _reject, Action.URGE: _urge, Action.AMEND_URGE: _amend_urge,
    Action.REQUEST_EXTENSION: _request_extension, Action.DECIDE_EXTENSION: _decide_extension,
    Action.MERGE: _merge, Action.CALLBACK: _callback,
}
