"""The named work lists of domain.md §6, each a filter over cases plus who may open it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from casework.domain.enums import OverdueClass, Role
from casework.domain.model import Actor
from casework.cases.where import Where, overdue_clause

CT, SV, CL, HD, LD, AD = (Role.CALL_TAKER, Role.SUPERVISOR, Role.CLERK, Role.HANDLER, Role.LEADER,
                          Role.ADMIN)
# The unary + keeps SQLite from choosing the disposition index (75 % of all rows) over the date or
# deadline indexes, which would sort most of the table for every page.
CROWDED_ABOVE = 2000  # rows a probe finds before a list takes its `crowded` plan
FORMAL = "+c.disposition = 'forwarded' AND c.state != 'pending_review'"
UNMERGED = "c.merged_into IS NULL"


@dataclass(frozen=True)
class ListSpec:
    label: str
    roles: frozenset[Role]
    build: Callable[[Where, Actor, str, str], None]
    order: str = ""
    # For lists whose best plan depends on how many rows the user has: `probe` (one parameter, the
    # user's id) counts them, capped; above CROWDED_ABOVE the query takes `crowded` instead.
    probe: str = ""
    crowded: "ListSpec | None" = None
    index: str = ""  # INDEXED BY: where the planner, without statistics, would sort every match per page

    def apply(self, w: Where, actor: Actor, now: str, soon: str) -> None:
        self.build(w, actor, now, soon)


def _fixed(clause: str) -> Callable[[Where, Actor, str, str], None]:
    return lambda w, actor, now, soon: w.add(clause)


def _tab(cls: OverdueClass | None) -> Callable[[Where, Actor, str, str], None]:
    def build(w: Where, actor: Actor, now: str, soon: str) -> None:
        w.add(FORMAL)
        if cls is not None:
            overdue_clause(w, cls, now, soon)
    return build


def _department(state: str, own_handler: bool = False) -> Callable[[Where, Actor, str, str], None]:
    def build(w: Where, actor: Actor, now: str, soon: str) -> None:
        extra = " AND handler_id = ?" if own_handler and not actor.has(CL) else ""
        params = [actor.department_id if actor.department_id is not None else -1, state]
        if extra:
            params.append(actor.id)
        w.add(f"{UNMERGED} AND c.id IN (SELECT case_id FROM assignments WHERE department_id = ? "
              f"AND state = ?{extra})", *params)
    return build


def _mine(w: Where, actor: Actor, now: str, soon: str) -> None:
    w.add("c.id IN (SELECT case_id FROM flow WHERE actor_id = ?)", actor.id)


def _mine_walk(w: Where, actor: Actor, now: str, soon: str) -> None:
    """For someone who has acted on a good part of all cases (a supervisor of many years): walk the
    cases newest first and stop after a page, rather than gather and sort hundreds of thousands."""
    w.add("EXISTS (SELECT 1 FROM flow f WHERE f.actor_id = ? AND f.case_id = c.id)", actor.id)


def _front_desk(w: Where, actor: Actor, now: str, soon: str) -> None:
    w.add("c.disposition = 'front_desk'")
    if not actor.has(SV, CT, AD, LD):
        w.add("c.concern_department_id = ?", actor.department_id if actor.department_id is not None else -1)


def _done_done(w: Where, actor: Actor, now: str, soon: str) -> None:
    w.add("c.state IN ('closed', 'feedback_done') AND c.disposition = 'forwarded'")


EVERYONE = frozenset(Role)
CENTRE = frozenset({SV, CT})
LISTS: dict[str, ListSpec] = {
    "dispatch": ListSpec("待派发", frozenset({SV}), _fixed(f"c.state IN ('pending_dispatch', 'returned') AND {UNMERGED}"),
                         order="(c.state = 'returned') DESC"),
    "approval": ListSpec("待审核", frozenset({SV}), _fixed(f"c.state = 'pending_approval' AND {UNMERGED}")),
    "extensions": ListSpec("延期审批", frozenset({SV}),
                           _fixed("c.id IN (SELECT case_id FROM extensions WHERE status = 'pending')")),
    "review": ListSpec("待初审", CENTRE, _fixed(f"c.state = 'pending_review' AND {UNMERGED}")),
    "callback": ListSpec("回访", CENTRE, _fixed("c.state = 'closed' AND c.disposition = 'forwarded'")),
    "supervision_all": ListSpec("全部办件", frozenset({SV, LD}), _tab(None)),
    "supervision_done": ListSpec("已办结", frozenset({SV, LD}), _done_done),
    "due_soon": ListSpec("即将逾期", frozenset({SV, LD}), _tab(OverdueClass.DUE_SOON), order="c.deadline ASC"),
    "overdue_open": ListSpec("超期未办结", frozenset({SV, LD}), _tab(OverdueClass.OVERDUE_OPEN),
                             order="c.deadline ASC", index="cases_open_deadline"),
    "overdue_done": ListSpec("超期已办结", frozenset({SV, LD}), _tab(OverdueClass.DONE_OVERDUE)),
    "signoff": ListSpec("办件签收", frozenset({CL}), _department("pending_signoff")),
    "todo": ListSpec("待办办件", frozenset({CL, HD}), _department("in_progress", own_handler=True)),
    "mine": ListSpec("个人经手", EVERYONE, _mine, probe="SELECT count(*) FROM (SELECT 1 FROM flow WHERE actor_id = ? "
                     f"LIMIT {CROWDED_ABOVE + 1})", crowded=ListSpec("个人经手", EVERYONE, _mine_walk)),
    "front_desk": ListSpec("前台办结件", EVERYONE, _front_desk),
    "calls_forwarded": ListSpec("转办件", CENTRE, _fixed("c.source = 'phone' AND c.disposition = 'forwarded'")),
    "calls_front_desk": ListSpec("办件", CENTRE, _fixed("c.source = 'phone' AND c.disposition = 'front_desk'")),
    "calls_invalid": ListSpec("无效件", CENTRE, _fixed("c.source = 'phone' AND c.disposition = 'invalid'")),
}
