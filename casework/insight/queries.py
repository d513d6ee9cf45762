"""The scope every statistic shares with 办件查询: the cases a user may see, registered in a period."""
from __future__ import annotations

from datetime import date, timedelta

from casework.cases.where import Where
from casework.cases.visibility import visible_departments
from casework.domain.model import Actor


def scope_clause(w: Where, actor: Actor, since: date | None = None) -> None:
    """Narrow `w` to the cases `actor` may see (nothing for the centre and city-wide leaders).

    With `since` (the period's first day) only assignments dispatched since then are looked at: a case
    is dispatched after it is registered, so the cases registered since then are the same, found fast.
    """
    depts = visible_departments(actor)
    if depts is None:
        return
    ids = sorted(depts) or [-1]
    marks = ",".join("?" * len(ids))
    if since is None:
        w.add(f"(c.id IN (SELECT case_id FROM assignments WHERE department_id IN ({marks})) "
              f"OR c.concern_department_id IN ({marks}))", *ids, *ids)
    else:
        w.add(f"(c.id IN (SELECT case_id FROM assignments WHERE department_id IN ({marks}) AND dispatched_at >= ?) "
              f"OR c.concern_department_id IN ({marks}))", *ids, since.isoformat(), *ids)


def scoped(actor: Actor, start: date, end: date) -> Where:
    """The cases registered from `start` to `end` (whole days) that `actor` may see."""
    w = Where()
    scope_clause(w, actor, start)
    w.add("c.created_at >= ?", start.isoformat())
    w.add("c.created_at < ?", (end + timedelta(days=1)).isoformat())
    return w
