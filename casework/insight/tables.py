"""The shapes every statistics page shows and exports: rows of counts, each count with its drill-down."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence


@dataclass(frozen=True)
class Cell:
    value: int
    link: dict[str, str] | None = None  # the query of the list behind this number


@dataclass
class StatRow:
    key: str
    label: str
    cells: dict[str, Cell] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # derived numbers: rates, averages (None: no data)

    def count(self, measure: str) -> int:
        cell = self.cells.get(measure)
        return cell.value if cell else 0


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # count | rate (0..1) | seconds | score | text


@dataclass
class StatTable:
    key: str
    title: str
    columns: list[Column]
    rows: list[StatRow]
    total: StatRow | None = None
    first: str = "项目"
    note: str = ""

    def cell_value(self, row: StatRow, column: Column) -> Any:
        if column.kind == "count":
            return row.count(column.key)
        return row.values.get(column.key)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a title, the header and the rows exactly as the page shows them."""
    title: str
    header: list[str]
    rows: list[list[Any]]


def display(value: Any, kind: str) -> Any:
    """A value as the page prints it (and the workbook stores it): rates in %, no data as —."""
    if value is None:
        return "—"
    if kind == "rate":
        return round(value * 100, 1)
    if kind in ("seconds", "score"):
        return round(value, 1) if isinstance(value, float) else value
    return value


def to_sheet(table: StatTable) -> Sheet:
    header = [table.first, *(c.label + ("（%）" if c.kind == "rate" else "（秒）" if c.kind == "seconds" else "")
                             for c in table.columns)]
    rows = [[row.label, *(display(table.cell_value(row, c), c.kind) for c in table.columns)]
            for row in [*table.rows, *([table.total] if table.total else [])]]
    return Sheet(table.title[:31], header, rows)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def link(base: dict[str, str], **extra: str) -> dict[str, str]:
    return {**base, **extra}


def chart_series(rows: Sequence[StatRow], measure: str) -> dict[str, Any]:
    return {"categories": [r.label for r in rows], "values": [r.count(measure) for r in rows]}
