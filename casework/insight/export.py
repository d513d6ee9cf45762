"""Excel (.xlsx) export: statistics tables as the pages show them, case and call lists streamed.

Workbooks are written in openpyxl's write-only mode, row by row, off the event loop (statistics
tables in a thread, lists in a worker process: casework.insight.workers); lists read their rows
from a private read-only connection with the same WHERE as the page, so memory stays flat at
100,000 rows.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from casework.cases.where import Where
from casework.domain.enums import CaseType, Disposition, Satisfaction, Source, State, Urgency
from casework.insight.measures import DONE, OPEN, Moment
from casework.insight.rollup import read_only
from casework.insight.tables import Sheet

EXPORT_MAX = 200_000
FETCH = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEAD_FONT, HEAD_FILL = Font(bold=True), PatternFill("solid", fgColor="E8EEF7")
CASE_HEADER = ["办件编号", "标题", "办件类型", "办件来源", "紧急程度", "办件状态", "处置部门", "所属区", "地址",
               "受理时间", "办结时限", "办结时间", "时限状态", "满意度", "退回次数", "重办次数", "督办次数"]
CALL_HEADER = ["来电时间", "方向", "号码", "队列", "坐席", "接通时间", "结束时间", "等待（秒）", "通话（秒）", "结果",
               "回拨", "办件编号"]
LABELS: dict[str, str] = {m.value: m.label for enum in (CaseType, Source, Urgency, State, Satisfaction, Disposition)
                          for m in enum}
CALL_RESULTS = {"pending": "待定", "front_desk": "办件", "forwarded": "转办件", "invalid": "无效件",
                "abandoned": "放弃", "outbound": "去电"}


def _sheet(wb: Workbook, title: str, header: list[str], widths: Iterable[int] = ()) -> WriteOnlyWorksheet:
    ws = wb.create_sheet(title=_safe_title(title))
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    row = []
    for text in header:
        cell = WriteOnlyCell(ws, value=text)
        cell.font, cell.fill, cell.alignment = HEAD_FONT, HEAD_FILL, Alignment(horizontal="center")
        row.append(cell)
    ws.append(row)
    return ws


def _safe_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31] or "Sheet"


def _finish(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheets_workbook(sheets: list[Sheet]) -> bytes:
    """Statistics tables, one worksheet each, values exactly as on the page."""
    wb = Workbook(write_only=True)
    seen: set[str] = set()
    for sheet in sheets:
        title = _safe_title(sheet.title)
        while title in seen:
            title = _safe_title(title[:28] + f"_{len(seen)}")
        seen.add(title)
        ws = _sheet(wb, title, sheet.header, [28, *([12] * (len(sheet.header) - 1))])
        for row in sheet.rows:
            ws.append(row)
    return _finish(wb)


def _stream(path: Path, sql: str, params: list[Any]) -> Iterator[tuple]:
    conn = read_only(path)
    try:
        cur = conn.execute(sql, params)
        while batch := cur.fetchmany(FETCH):
            yield from batch
    finally:
        conn.close()


def case_sql(w: Where, moment: Moment, limit: int = EXPORT_MAX) -> tuple[str, list[Any]]:
    time_class = (f"CASE WHEN c.overdue_done = 1 THEN '超期已办结' WHEN c.state IN {DONE} THEN '按时办结' "
                  f"WHEN c.state IN {OPEN} AND c.deadline < ? THEN '超期未办结' "
                  f"WHEN c.state IN {OPEN} AND c.deadline < ? THEN '即将逾期' WHEN c.state IN {OPEN} THEN '正常' "
                  f"ELSE '' END")
    departments = ("(SELECT group_concat(d.name, '、') FROM assignments a JOIN departments d ON d.id = a.department_id "
                   "WHERE a.case_id = c.id AND a.state NOT IN ('transferred', 'withdrawn'))")
    sql = (f"SELECT c.number, c.title, c.case_type, c.source, c.urgency, c.state, {departments}, c.district, "
           f"c.address, c.created_at, c.deadline, c.closed_at, {time_class}, c.satisfaction, c.return_count, "
           f"c.reopen_count, c.urge_count FROM cases c WHERE {w.sql()} ORDER BY c.created_at DESC, c.id DESC LIMIT ?")
    return sql, [moment.now, moment.soon, *w.params, min(limit, EXPORT_MAX)]


def _case_row(r: tuple) -> list[Any]:
    return [r[0], r[1], LABELS.get(r[2], r[2]), LABELS.get(r[3], r[3]), LABELS.get(r[4], r[4]),
            LABELS.get(r[5], r[5]), r[6] or "", r[7], r[8], r[9], r[10], r[11] or "", r[12],
            LABELS.get(r[13], "") if r[13] else "", r[14], r[15], r[16]]


def case_workbook(path: Path, w: Where, moment: Moment, title: str, limit: int = EXPORT_MAX) -> bytes:
    """The cases matching `w`, newest first (at most `limit`, at most EXPORT_MAX), as one worksheet."""
    wb = Workbook(write_only=True)
    ws = _sheet(wb, "办件列表", CASE_HEADER, [20, 36, 8, 8, 8, 10, 30, 10, 30, 19, 19, 19, 10, 10, 8, 8, 8])
    sql, params = case_sql(w, moment, limit)
    for r in _stream(path, sql, params):
        ws.append(_case_row(r))
    info = _sheet(wb, "说明", ["项目", "内容"], [12, 60])
    info.append(["范围", title])
    info.append(["统计时刻", moment.now])
    return _finish(wb)


def call_sql(w: Where) -> tuple[str, list[Any]]:
    sql = ("SELECT k.offered_at, k.direction, k.caller_number, k.queue, COALESCE(u.name, k.agent_name), "
           "k.answered_at, k.ended_at, k.wait_seconds, k.talk_seconds, k.disposition, k.purpose, c.number "
           "FROM calls k LEFT JOIN users u ON u.id = k.agent_user_id LEFT JOIN cases c ON c.id = k.case_id "
           f"WHERE {w.sql()} ORDER BY k.offered_at DESC, k.id DESC LIMIT ?")
    return sql, [*w.params, EXPORT_MAX]


def call_workbook(path: Path, w: Where, title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = _sheet(wb, "来电记录", CALL_HEADER, [19, 6, 16, 10, 12, 19, 19, 10, 10, 8, 6, 20])
    sql, params = call_sql(w)
    for r in _stream(path, sql, params):
        ws.append([r[0], "呼入" if r[1] == "inbound" else "呼出", r[2], r[3], r[4] or "", r[5] or "", r[6] or "",
                   r[7], r[8], CALL_RESULTS.get(r[9], r[9]), "是" if r[10] == "callback" else "", r[11] or ""])
    info = _sheet(wb, "说明", ["项目", "内容"], [12, 60])
    info.append(["范围", title])
    return _finish(wb)


