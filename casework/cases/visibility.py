"""Who may see which case: least privilege for departments and leaders (domain.md §1)."""
from __future__ import annotations

from casework.domain.enums import Role
from casework.domain.model import Actor, Case

CENTRE_ROLES = (Role.SUPERVISOR, Role.CALL_TAKER, Role.ADMIN)


def sees_everything(actor: Actor) -> bool:
    return actor.has(*CENTRE_ROLES) or (actor.has(Role.LEADER) and actor.leader_scope is None)


def visible_departments(actor: Actor) -> frozenset[int] | None:
    """None means every case; otherwise the departments whose cases this user may see."""
    if sees_everything(actor):
        return None
    depts = set(actor.leader_scope or ()) if actor.has(Role.LEADER) else set()
    if actor.department_id is not None and actor.has(Role.CLERK, Role.HANDLER, Role.LEADER):
        depts.add(actor.department_id)
    return frozenset(depts)


def can_view(actor: Actor, case: Case) -> bool:
    depts = visible_departments(actor)
    if depts is None:
        return True
    return bool(depts & case.ever_assigned()) or case.concern_department_id in depts


def may_read_calls(actor: Actor) -> bool:
    """Call records name citizens of every department's cases: the centre's, and a city leader's."""
    return actor.has(Role.SUPERVISOR, Role.CALL_TAKER) or (actor.has(Role.LEADER) and actor.leader_scope is None)
