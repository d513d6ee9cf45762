"""Cases as JSON: the full detail for staff, the public part for citizens."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from casework.cases.service import CaseView
from casework.domain.deadlines import overdue_class
from casework.domain.model import Case, FlowEntry
from casework.domain.enums import State
from casework.reference.model import Reference


def _t(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else None


def case_fields(case: Case, now: datetime, due_soon_days: int) -> dict[str, Any]:
    cls = overdue_class(case.state, case.deadline, case.closed_at, now, due_soon_days)
    return {
        "id": case.id, "number": case.number, "title": case.title, "content": case.content,
        "address": case.address, "district": case.district, "caller_name": case.caller_name,
        "caller_phone": case.caller_phone, "source": case.source.value, "source_label": case.source.label,
        "case_type": case.case_type.value, "case_type_label": case.case_type.label,
        "urgency": case.urgency.value, "urgency_label": case.urgency.label, "state": case.state.value,
        "state_label": case.state.label, "disposition": case.disposition.value,
        "disposition_label": case.disposition.label, "created_at": _t(case.created_at),
        "deadline": _t(case.deadline), "closed_at": _t(case.closed_at), "overdue_class": cls.value,
        "overdue_label": cls.label, "result": case.result, "supervision_opinion": case.supervision_opinion,
        "feedback_at": _t(case.feedback_at), "resolved": case.resolved,
        "satisfaction": case.satisfaction.value if case.satisfaction else None,
        "satisfaction_label": case.satisfaction.label if case.satisfaction else None,
        "feedback_opinion": case.feedback_opinion, "reopen_count": case.reopen_count,
        "return_count": case.return_count, "urge_count": case.urge_count, "merged_into": case.merged_into,
        "merged_children": case.merged_children, "concern_department_id": case.concern_department_id,
        "knowledge_article_id": case.knowledge_article_id, "call_id": case.call_id, "version": case.version,
    }


def flow_entry(f: FlowEntry, ref: Reference) -> dict[str, Any]:
    return {"at": _t(f.at), "actor_id": f.actor_id, "actor_name": f.actor_name, "role": f.role,
            "department_id": f.department_id, "department": ref.department_name(f.department_id),
            "action": f.action, "label": f.label, "opinion": f.opinion, "from_state": f.from_state,
            "from_state_label": State(f.from_state).label, "to_state": f.to_state,
            "to_state_label": State(f.to_state).label}


def case_detail(view: CaseView, ref: Reference, now: datetime, due_soon_days: int) -> dict[str, Any]:
    case = view.case
    return {
        **case_fields(case, now, due_soon_days),
        "assignments": [{
            "id": a.id, "department_id": a.department_id, "department": ref.department_name(a.department_id),
            "state": a.state.value, "state_label": a.state.label, "is_lead": a.is_lead,
            "role_label": "主办" if a.is_lead else "协办", "instructions": a.instructions,
            "handler_id": a.handler_id, "dispatched_at": _t(a.dispatched_at), "signed_at": _t(a.signed_at),
            "completed_at": _t(a.completed_at), "opinion": a.opinion, "return_reason": a.return_reason,
            "returned_at": _t(a.returned_at)} for a in case.assignments],
        "urgings": [{"id": u.id, "author_id": u.author_id, "author_name": u.author_name, "role": u.role,
                     "opinion": u.opinion, "created_at": _t(u.created_at), "updated_at": _t(u.updated_at)}
                    for u in case.urgings],
        "extensions": [{"id": e.id, "department_id": e.department_id,
                        "department": ref.department_name(e.department_id), "requested_by": e.requested_by,
                        "days": e.days, "reason": e.reason, "requested_at": _t(e.requested_at),
                        "status": e.status, "decided_at": _t(e.decided_at),
                        "decision_opinion": e.decision_opinion} for e in case.extensions],
        "flow": [flow_entry(f, ref) for f in view.flow],
        "actions": [{"action": a.value, "label": a.label} for a in view.actions],
    }


PUBLIC_STEPS = {"register", "accept", "dispatch", "review_dispatch", "approve", "close", "callback", "invalidate"}


def public_detail(view: CaseView) -> dict[str, Any]:
    """No staff names, no internal opinions: state, dates and the official reply only."""
    case = view.case
    return {
        "number": case.number, "title": case.title, "state": case.state.value, "state_label": case.state.label,
        "case_type_label": case.case_type.label, "created_at": _t(case.created_at),
        "closed_at": _t(case.closed_at),
        "reply": case.result if case.state in (State.CLOSED, State.FEEDBACK_DONE) else "",
        "progress": [{"at": _t(f.at), "label": f.label, "state_label": State(f.to_state).label}
                     for f in view.flow if f.action in PUBLIC_STEPS],
    }
