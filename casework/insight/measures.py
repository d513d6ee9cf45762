"""The SQL of every statistic, written once: each count is a condition on a row.

The same condition is summed by the statistics (over the base tables, or day by day into the
insight_*_days tables) and used as the WHERE of the drill-down list, so that a number and the list
behind it cannot disagree. Conditions hold only constants and `?` placeholders bound from a
`Moment` (the clock of the statistics).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from casework.cases.where import Where
from casework.db.timefmt import to_db

OPEN = "('in_progress', 'pending_approval', 'pending_dispatch', 'pending_signoff', 'returned')"
DONE = "('closed', 'feedback_done')"
SIGN_HOURS = 24  # 及时签收: signed within 24 hours of the dispatch
SERVICE_LEVEL_SECONDS = 15  # GB/T 33358-2016: answered within 15 s
ANSWER_RATE_TARGET = 0.95  # ... and at least 95 % of the calls offered answered


@dataclass(frozen=True)
class Moment:
    """'Now' as stored-time text, with the two limits that depend on it."""
    now: str
    soon: str
    sign_cut: str

    @classmethod
    def at(cls, now: datetime, tz: ZoneInfo, due_soon_days: int) -> "Moment":
        return cls(to_db(now, tz) or "", to_db(now + timedelta(days=due_soon_days), tz) or "",
                   to_db(now - timedelta(hours=SIGN_HOURS), tz) or "")

    def get(self, name: str) -> str:
        return str(getattr(self, name))


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    sql: str  # a condition on a row: of cases `c`, of calls `k`, of an assignment `a` joined to its case `c`
    needs: tuple[str, ...] = ()  # Moment fields bound to its placeholders, in order

    def bind(self, moment: Moment) -> list[str]:
        return [moment.get(name) for name in self.needs]


def flag(condition: str) -> str:
    """1 where the condition holds, else 0 (NULL counts as not holding, as in a WHERE)."""
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _m(key: str, label: str, sql: str, *needs: str) -> Measure:
    return Measure(key, label, sql, needs)


CASE_MEASURES: tuple[Measure, ...] = (
    _m("total", "办件数", "1"),
    _m("on_time", "正常", f"c.state IN {OPEN} AND c.deadline >= ?", "soon"),
    _m("due_soon", "即将逾期", f"c.state IN {OPEN} AND c.deadline >= ? AND c.deadline < ?", "now", "soon"),
    _m("overdue_open", "超期未办结", f"c.state IN {OPEN} AND c.deadline < ?", "now"),
    _m("done_on_time", "按时办结", f"c.state IN {DONE} AND c.overdue_done = 0"),
    _m("done_overdue", "超期已办结", "c.overdue_done = 1"),
    _m("returned", "退回", "c.return_count > 0"),
    _m("extended", "延期", "c.id IN (SELECT case_id FROM extensions WHERE status = 'approved')"),
    _m("reopened", "重办", "c.reopen_count > 0"),
    _m("urged", "督办", "c.urge_count > 0"),
    _m("satisfied", "满意", "c.satisfaction = 'satisfied'"),
    _m("basic", "基本满意", "c.satisfaction = 'basic'"),
    _m("unsatisfied", "不满意", "c.satisfaction = 'unsatisfied'"),
)
CASE_MEASURE = {m.key: m for m in CASE_MEASURES}


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    column: str  # SQL of the value; for 'department' the assignment's department


CASE_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("department", "按处置部门（曾派发至该部门的办件）", "a.department_id"),
    Dimension("district", "按区域", "c.district"),
    Dimension("case_type", "按办件类型", "c.case_type"),
    Dimension("source", "按办件来源", "c.source"),
    Dimension("state", "按办件状态", "c.state"),
    Dimension("urgency", "按紧急程度", "c.urgency"),
)
CASE_DIMENSION = {d.key: d for d in CASE_DIMENSIONS}
ALL = Dimension("all", "合计", "''")
# One row per (case, department) even when the department was dispatched the case twice.
FIRST_ASSIGNMENT = ("NOT EXISTS (SELECT 1 FROM assignments b WHERE b.case_id = a.case_id "
                    "AND b.department_id = a.department_id AND b.id < a.id)")


def case_aggregate(dim: Dimension, where: Where, moment: Moment, *, by_day: bool,
                   departments: frozenset[int] | None = None) -> tuple[str, list[object]]:
    """SELECT [day,] key, one sum per CASE_MEASURES over the cases matching `where`."""
    sums = ", ".join("COUNT(*)" if m.sql == "1" else f"SUM({flag(m.sql)})" for m in CASE_MEASURES)
    params: list[object] = [p for m in CASE_MEASURES for p in m.bind(moment)]
    source, extra = "cases c", ""
    if dim.key == "department":
        source = "cases c JOIN assignments a ON a.case_id = c.id"
        extra = f" AND {FIRST_ASSIGNMENT}"
        if departments is not None:
            ids = sorted(departments) or [-1]
            extra += f" AND a.department_id IN ({','.join('?' * len(ids))})"
    day = "substr(c.created_at, 1, 10) AS day, " if by_day else ""
    group = "day, key" if by_day else "key"
    sql = (f"SELECT {day}CAST({dim.column} AS TEXT) AS key, {sums} FROM {source} WHERE {where.sql()}{extra} "
           f"GROUP BY {group}")
    params.extend(where.params)
    if dim.key == "department" and departments is not None:
        params.extend(sorted(departments) or [-1])
    return sql, params


def scope_aggregate(dim: Dimension, start: str, end: str, moment: Moment) -> tuple[str, list[object]]:
    """SELECT department, day, key, the CASE_MEASURES sums over the cases each department's leader sees
    (ever dispatched to it, or concerning it), registered in [start, end)."""
    sums = ", ".join("COUNT(*)" if m.sql == "1" else f"SUM({flag(m.sql)})" for m in CASE_MEASURES)
    params: list[object] = [p for m in CASE_MEASURES for p in m.bind(moment)]
    visible = ("SELECT a.case_id AS cid, a.department_id AS dept FROM cases r JOIN assignments a ON a.case_id = r.id "
               "WHERE r.created_at >= ? AND r.created_at < ? UNION SELECT id, concern_department_id FROM cases "
               "WHERE concern_department_id IS NOT NULL AND created_at >= ? AND created_at < ?")
    sql = (f"SELECT v.dept, substr(c.created_at, 1, 10) AS day, CAST({dim.column} AS TEXT) AS key, {sums} "
           f"FROM ({visible}) v JOIN cases c ON c.id = v.cid GROUP BY v.dept, day, key")
    return sql, [*params, start, end, start, end]


def case_dimension_clause(w: Where, dim: Dimension, key: str) -> None:
    """Narrow `w` to the cases counted in row `key` of dimension `dim`."""
    if dim.key == "department":
        w.add("c.id IN (SELECT case_id FROM assignments WHERE department_id = ?)", int(key))
    elif dim.key != "all":
        w.add(f"{dim.column} = ?", key)


# --- 考核: per (case, department) pair ----------------------------------------------------------
APPRAISAL_FLAGS: tuple[Measure, ...] = (
    _m("assigned", "派发件数", "1"),
    _m("sign_due", "应签收", "a.signed_at IS NOT NULL OR (a.state = 'pending_signoff' AND a.dispatched_at < ?)",
       "sign_cut"),
    _m("signed_in_time", "及时签收",
       f"a.signed_at IS NOT NULL AND a.signed_at <= datetime(a.dispatched_at, '+{SIGN_HOURS} hours')"),
    _m("returned", "退回", "a.returned_at IS NOT NULL"),
    _m("done_due", "应办结",
       "a.completed_at IS NOT NULL OR (a.state IN ('pending_signoff', 'in_progress') AND c.deadline < ?)", "now"),
    _m("done_on_time", "按时办结", "a.completed_at IS NOT NULL AND a.completed_at <= c.deadline"),
    _m("closed", "已办结", f"c.state IN {DONE} OR c.reopen_count > 0"),
    _m("reopened", "重办", "c.reopen_count > 0"),
    _m("feedback", "回访", "c.satisfaction IS NOT NULL"),
    _m("satisfied", "满意（含基本满意）", "c.satisfaction IN ('satisfied', 'basic')"),
)
APPRAISAL_FLAG = {m.key: m for m in APPRAISAL_FLAGS}


def pair_sql(where: Where, moment: Moment, *, by_day: bool) -> tuple[str, list[object]]:
    """SELECT [day,] department, sum of each flag: one pair per case and department it was assigned."""
    flags = ", ".join(f"MAX({flag(m.sql)}) AS {m.key}" for m in APPRAISAL_FLAGS)
    params: list[object] = [p for m in APPRAISAL_FLAGS for p in m.bind(moment)]
    pairs = (f"SELECT substr(c.created_at, 1, 10) AS day, a.department_id AS dept, {flags} "
             f"FROM cases c JOIN assignments a ON a.case_id = c.id WHERE {where.sql()} GROUP BY c.id, a.department_id")
    params.extend(where.params)
    sums = ", ".join(f"SUM({m.key})" for m in APPRAISAL_FLAGS)
    keys = "day, dept" if by_day else "dept"
    return f"SELECT {keys}, {sums} FROM ({pairs}) GROUP BY {keys}", params


def appraisal_clause(w: Where, department_id: int, name: str, start: str, end: str, moment: Moment) -> None:
    """Narrow `w` to the cases whose pair with `department_id` has flag `name` (registered in [start, end))."""
    m = APPRAISAL_FLAG[name]
    sql = (f"c.id IN (SELECT cid FROM (SELECT c.id AS cid, MAX({flag(m.sql)}) AS hit FROM cases c JOIN assignments a "
           f"ON a.case_id = c.id WHERE a.department_id = ? AND c.created_at >= ? AND c.created_at < ? "
           f"GROUP BY c.id) WHERE hit)")
    w.add(sql, *m.bind(moment), department_id, start, end)


# --- 来电情况: per call (`k`) -------------------------------------------------------------------------
INBOUND = "k.direction = 'inbound'"
CALL_MEASURES: tuple[Measure, ...] = (
    _m("offered", "呼入量", INBOUND),
    _m("answered", "接通量", f"{INBOUND} AND k.answered_at IS NOT NULL"),
    _m("abandoned", "放弃量", f"{INBOUND} AND k.answered_at IS NULL"),
    _m("in_time", f"{SERVICE_LEVEL_SECONDS}秒内接通",
       f"{INBOUND} AND k.answered_at IS NOT NULL AND k.wait_seconds <= {SERVICE_LEVEL_SECONDS}"),
    _m("invalid", "无效件", f"{INBOUND} AND k.disposition = 'invalid'"),
    _m("front_desk", "办件", f"{INBOUND} AND k.disposition = 'front_desk'"),
    _m("forwarded", "转办件", f"{INBOUND} AND k.disposition = 'forwarded'"),
    _m("callbacks", "回拨", "k.direction = 'outbound' AND k.purpose = 'callback'"),
)
CALL_MEASURE = {m.key: m for m in CALL_MEASURES}
CALL_TIMES = (f"SUM(CASE WHEN {INBOUND} THEN k.wait_seconds ELSE 0 END)",
              f"MAX(CASE WHEN {INBOUND} THEN k.wait_seconds ELSE 0 END)",
              f"SUM(CASE WHEN {INBOUND} AND k.answered_at IS NOT NULL THEN k.talk_seconds ELSE 0 END)")
CALL_DIMENSIONS = {"all": "''", "queue": "k.queue", "agent": "COALESCE(CAST(k.agent_user_id AS TEXT), '')"}


def call_aggregate(dim: str, where: Where, *, by_day: bool) -> tuple[str, list[object]]:
    """SELECT [day,] key, the CALL_MEASURES counts, then wait sum, wait max, talk sum."""
    sums = ", ".join([*(f"SUM({flag(m.sql)})" for m in CALL_MEASURES), *CALL_TIMES])
    day = "substr(k.offered_at, 1, 10) AS day, " if by_day else ""
    group = "day, key" if by_day else "key"
    return (f"SELECT {day}{CALL_DIMENSIONS[dim]} AS key, {sums} FROM calls k WHERE {where.sql()} GROUP BY {group}",
            list(where.params))


def call_dimension_clause(w: Where, dim: str, key: str) -> None:
    if dim == "queue":
        w.add("k.queue = ?", key)
    elif dim == "agent":
        w.add("k.agent_user_id = ?", int(key)) if key else w.add("k.agent_user_id IS NULL")
