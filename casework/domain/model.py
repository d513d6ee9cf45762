"""The case aggregate: one case with its department assignments, urgings and extension requests.

The workflow functions mutate it and append flow entries; the storage layer persists exactly what
changed (the aggregate's version guards against lost updates).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from casework.domain.enums import (ACTIVE_ASSIGNMENT, AssignmentState, CaseType, Disposition, Role,
                                   Satisfaction, Source, State, Urgency)

ALL_DEPARTMENTS = None  # a leader scope of None means the whole city


@dataclass(frozen=True)
class Actor:
    """Who is acting: the logged-in user as the domain needs to see them."""
    id: int
    name: str
    roles: frozenset[Role]
    department_id: int | None = None
    leader_scope: frozenset[int] | None = frozenset()

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def primary_role(self) -> Role:
        order = (Role.SUPERVISOR, Role.CALL_TAKER, Role.LEADER, Role.CLERK, Role.HANDLER, Role.ADMIN)
        return next((r for r in order if r in self.roles), Role.ADMIN)


@dataclass
class Assignment:
    """One department's share of a case (联办件 have several)."""
    department_id: int
    state: AssignmentState
    is_lead: bool
    dispatched_at: datetime
    instructions: str = ""
    id: int | None = None
    handler_id: int | None = None
    signed_at: datetime | None = None
    completed_at: datetime | None = None
    opinion: str = ""
    return_reason: str = ""
    returned_at: datetime | None = None
    dirty: bool = True

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_ASSIGNMENT


@dataclass(frozen=True)
class FlowEntry:
    """One row of the case's 流程: who did what, when, with which opinion."""
    at: datetime
    actor_id: int | None
    actor_name: str
    role: str
    department_id: int | None
    action: str
    label: str
    opinion: str
    from_state: str
    to_state: str


@dataclass
class Urging:
    author_id: int
    author_name: str
    role: str
    opinion: str
    created_at: datetime
    id: int | None = None
    updated_at: datetime | None = None
    dirty: bool = True


@dataclass
class Extension:
    department_id: int
    requested_by: int
    days: int
    reason: str
    requested_at: datetime
    status: str = "pending"
    id: int | None = None
    decided_by: int | None = None
    decided_at: datetime | None = None
    decision_opinion: str = ""
    dirty: bool = True


@dataclass
class Case:
    title: str
    content: str
    source: Source
    case_type: CaseType
    urgency: Urgency
    state: State
    created_at: datetime
    deadline: datetime
    caller_name: str = ""
    caller_phone: str = ""
    address: str = ""
    district: str = ""
    disposition: Disposition = Disposition.FORWARDED
    created_by: int | None = None
    id: int | None = None
    number: str = ""
    query_code: str = ""
    result: str = ""
    supervision_opinion: str = ""
    closed_at: datetime | None = None
    feedback_at: datetime | None = None
    resolved: bool | None = None
    satisfaction: Satisfaction | None = None
    feedback_opinion: str = ""
    reopen_count: int = 0
    return_count: int = 0
    urge_count: int = 0
    merged_into: int | None = None
    concern_department_id: int | None = None
    knowledge_article_id: int | None = None
    call_id: int | None = None
    version: int = 0
    assignments: list[Assignment] = field(default_factory=list)
    urgings: list[Urging] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    new_flow: list[FlowEntry] = field(default_factory=list)
    merged_children: list[int] = field(default_factory=list)

    def active_assignments(self) -> list[Assignment]:
        return [a for a in self.assignments if a.active]

    def assignment_for(self, department_id: int | None) -> Assignment | None:
        return next((a for a in self.assignments if a.active and a.department_id == department_id), None)

    def lead(self) -> Assignment | None:
        return next((a for a in self.active_assignments() if a.is_lead), None)

    def ever_assigned(self) -> set[int]:
        return {a.department_id for a in self.assignments}

    def pending_extension(self) -> Extension | None:
        return next((e for e in self.extensions if e.status == "pending"), None)

    @property
    def overdue_at_close(self) -> bool:
        return self.closed_at is not None and self.closed_at > self.deadline
