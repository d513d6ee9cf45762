"""考核: per department and period, five rates and a weighted score the administrator weighs.

Counted per (case, department) pair for the cases registered in the period and ever dispatched to
the department:
- 及时签收率 = pairs signed within 24 h of the dispatch ÷ pairs signed, or waiting unsigned for
  more than 24 h;
- 回退率 = pairs the department returned ÷ pairs dispatched;
- 按时办结率 = pairs the department completed by the case's deadline ÷ pairs it completed, or still
  open with it past the deadline;
- 重办率 = cases reopened after a call-back ÷ cases closed (or reopened);
- 满意率 = cases whose call-back was 满意 or 基本满意 ÷ cases called back.
Score = Σ weight × metric ÷ Σ weight over the metrics with data (回退率 and 重办率 count as
1 − rate), × 100. A department leader sees only his departments.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from casework.cases.visibility import visible_departments
from casework.db.database import Database
from casework.db.reads import fetch_all
from casework.db.timefmt import to_db
from casework.domain.model import Actor
from casework.errors import Invalid
from casework.insight.measures import APPRAISAL_FLAGS, Moment
from casework.insight.periods import Period
from casework.insight.rollup import DEPT_COLUMNS, refresh
from casework.insight.tables import Cell, Column, Sheet, StatRow, StatTable, ratio, to_sheet


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    numerator: str
    denominator: str
    lower_is_better: bool = False


METRICS = (Metric("sign", "及时签收率", "signed_in_time", "sign_due"),
           Metric("return", "回退率", "returned", "assigned", True),
           Metric("on_time", "按时办结率", "done_on_time", "done_due"),
           Metric("reopen", "重办率", "reopened", "closed", True),
           Metric("satisfaction", "满意率", "satisfied", "feedback"))
METRIC = {m.key: m for m in METRICS}
COUNT_LABELS = {"assigned": "派发件数", "sign_due": "应签收", "signed_in_time": "及时签收", "returned": "退回",
                "done_due": "应办结", "done_on_time": "按时办结", "closed": "已办结", "reopened": "重办",
                "feedback": "已回访", "satisfied": "满意"}
COLUMNS = [Column("rank", "排名", "text"), Column("score", "综合得分", "score"),
           *(Column(m.key, m.label, "rate") for m in METRICS),
           *(Column(k, COUNT_LABELS[k]) for k in DEPT_COLUMNS)]


@dataclass
class Appraisal:
    period: Period
    weights: dict[str, int]
    table: StatTable

    def sheets(self) -> list[Sheet]:
        weights = Sheet("权重", ["指标", "权重"], [[m.label, self.weights.get(m.key, 0)] for m in METRICS])
        return [to_sheet(self.table), weights]

    def charts(self) -> dict[str, Any]:
        ranked = [r for r in self.table.rows if r.values.get("score") is not None]
        return {"ranking": {"type": "bar", "horizontal": True, "title": "综合得分排名",
                            "categories": [r.label for r in ranked][::-1],
                            "series": [{"name": "综合得分",
                                        "values": [round(r.values["score"], 1) for r in ranked][::-1]}]}}


def score(rates: dict[str, float | None], weights: Mapping[str, int]) -> float | None:
    total = used = 0.0
    for m in METRICS:
        rate, weight = rates.get(m.key), weights.get(m.key, 0)
        if rate is None or weight <= 0:
            continue
        total += weight * ((1 - rate) if m.lower_is_better else rate)
        used += weight
    return total / used * 100 if used else None


def appraisal_row(dept: int, name: str, sums: list[int] | None, base: dict[str, str],
                  weights: Mapping[str, int]) -> StatRow:
    values = dict(zip(DEPT_COLUMNS, sums or [0] * len(DEPT_COLUMNS)))
    cells = {k: Cell(v, {**base, "dim": "department", "key": str(dept), "flag": k}) for k, v in values.items()}
    rates = {m.key: ratio(values[m.numerator], values[m.denominator]) for m in METRICS}
    return StatRow(str(dept), name, cells, {**rates, "score": score(rates, weights), "rank": None})


def rank(rows: list[StatRow]) -> list[StatRow]:
    """Highest score first; equal scores share a rank; departments without a score last, unranked."""
    rows.sort(key=lambda r: (r.values["score"] is None, -(r.values["score"] or 0), r.label))
    previous, position = None, 0
    for i, row in enumerate(rows, start=1):
        value = row.values["score"]
        if value is None:
            row.values["rank"] = "—"
            continue
        if previous is None or round(value, 6) != round(previous, 6):
            position = i
        row.values["rank"], previous = position, value
    return rows


async def weights(db: Database) -> dict[str, int]:
    async with db.reader() as conn:
        found = {str(r[0]): int(r[1]) for r in await fetch_all(conn, "SELECT metric, weight FROM appraisal_weights")}
    return {m.key: found.get(m.key, 0) for m in METRICS}


def parse_weights(data: Mapping[str, Any]) -> dict[str, int]:
    errors: dict[str, str] = {}
    out: dict[str, int] = {}
    for m in METRICS:
        raw = str(data.get(m.key, "")).strip()
        if not raw.isdigit() or not 0 <= int(raw) <= 100:
            errors[m.key] = "权重应为 0 至 100 的整数"
        else:
            out[m.key] = int(raw)
    if not errors and not sum(out.values()):
        errors["_form"] = "至少一项指标的权重应大于 0"
    if errors:
        raise Invalid(fields=errors)
    return out


async def save_weights(db: Database, values: Mapping[str, int], user_id: int, now: datetime) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO appraisal_weights (metric, weight, updated_by, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (metric) DO UPDATE SET weight = excluded.weight, updated_by = excluded.updated_by, "
            "updated_at = excluded.updated_at",
            [(k, v, user_id, to_db(now, db.tz)) for k, v in values.items()])


async def appraisal(db: Database, moment: Moment, period: Period, actor: Actor) -> Appraisal:
    await refresh(db, moment)
    chosen = await weights(db)
    only = visible_departments(actor)
    sums = ", ".join(f"SUM({c})" for c in DEPT_COLUMNS)
    async with db.reader() as conn:
        found = {int(r[0]): [int(v or 0) for v in r[1:]] for r in await fetch_all(
            conn, f"SELECT department_id, {sums} FROM insight_dept_days WHERE day >= ? AND day <= ? "
            "GROUP BY department_id", (period.start.isoformat(), period.end.isoformat()))}
        departments = [(int(r[0]), str(r[1])) for r in await fetch_all(
            conn, "SELECT id, name, kind, active FROM departments ORDER BY sort, id")
            if (r[2] != "centre" and r[3]) or int(r[0]) in found]
    base = period.params()
    rows = [appraisal_row(d, name, found.get(d), base, chosen) for d, name in departments
            if only is None or d in only]
    note = ("按受理日期统计，以“办件 × 单位”为单位计数；点击件数可查看对应办件。回退率、重办率越低越好，"
            "计分时按（1 − 比率）计；没有数据的指标不参与计分。")
    table = StatTable("appraisal", "单位考核排名", COLUMNS, rank(rows), first="单位", note=note)
    return Appraisal(period, chosen, table)


FLAG_LABELS = {m.key: m.label for m in APPRAISAL_FLAGS}
