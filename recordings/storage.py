"""The recordings tables in SQLite, and the read-only questions asked of `calls`. Every statement is parameterized.

A recording's case is, in order: the case a supervisor linked it to, the case its call was linked
to (calls.case_id), or the case registered from its call (cases.call_id).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from casework.db.store import SqlStore

from recordings.matcher import CallCandidate
from recordings.model import MatchRule, QuarantineItem, Reason, Recording, Source

EFFECTIVE_CASE = ("COALESCE(r.case_id, c.case_id, (SELECT k.id FROM cases k WHERE k.call_id = r.call_id "
                  "ORDER BY k.id LIMIT 1))")
SELECT = f"SELECT r.*, {EFFECTIVE_CASE} AS effective_case_id FROM recordings r LEFT JOIN calls c ON c.id = r.call_id"
WHEN = "COALESCE(r.started_at, c.offered_at, r.imported_at)"
INSERT_COLUMNS = ("source", "original_name", "source_path", "stored_name", "sha256", "size", "container", "codec",
                  "sample_rate", "channels", "duration_ms", "peaks", "caller_number", "started_at", "unique_id",
                  "call_id", "match_rule", "match_note", "imported_at")


class RecordingStore(SqlStore):
    """The one place that knows the recordings tables."""

    def recording(self, r: aiosqlite.Row) -> Recording:
        return Recording(
            id=r["id"], source=Source(r["source"]), original_name=r["original_name"], source_path=r["source_path"],
            stored_name=r["stored_name"], sha256=r["sha256"], size=r["size"], container=r["container"],
            codec=r["codec"], sample_rate=r["sample_rate"], channels=r["channels"], duration_ms=r["duration_ms"],
            peaks=bytes(r["peaks"]), caller_number=r["caller_number"], started_at=self._f(r["started_at"]),
            unique_id=r["unique_id"], call_id=r["call_id"], case_id=r["case_id"],
            match_rule=MatchRule(r["match_rule"]), match_note=r["match_note"], linked_by=r["linked_by"],
            linked_at=self._f(r["linked_at"]), imported_at=self._f(r["imported_at"]),  # type: ignore[arg-type]
            effective_case_id=r["effective_case_id"])

    # -- recordings -----------------------------------------------------------------------------------
    async def add(self, values: dict[str, Any]) -> int:
        cur = await self.conn.execute(
            f"INSERT INTO recordings ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(INSERT_COLUMNS))})",
            [values[c] for c in INSERT_COLUMNS])
        return int(cur.lastrowid)  # type: ignore[arg-type]

    async def get(self, recording_id: int) -> Recording | None:
        row = await self._one(f"{SELECT} WHERE r.id = ?", [recording_id])
        return self.recording(row) if row else None

    async def for_case(self, case_id: int) -> list[Recording]:
        rows = await self._rows(
            f"{SELECT} WHERE r.case_id = ? OR r.call_id IN (SELECT id FROM calls WHERE case_id = ? "
            "UNION SELECT call_id FROM cases WHERE id = ? AND call_id IS NOT NULL) ORDER BY r.started_at, r.id",
            [case_id, case_id, case_id])
        return [self.recording(r) for r in rows]

    async def call_exists(self, call_id: int) -> tuple[bool, int | None]:
        """Whether the call record exists, and the case it belongs to."""
        row = await self._one("SELECT case_id FROM calls WHERE id = ?", [call_id])
        return (row is not None, row["case_id"] if row else None)

    async def for_call(self, call_id: int) -> list[Recording]:
        rows = await self._rows(f"{SELECT} WHERE r.call_id = ? ORDER BY r.id", [call_id])
        return [self.recording(r) for r in rows]

    async def unmatched(self, limit: int, offset: int = 0) -> tuple[list[Recording], int]:
        where = "r.call_id IS NULL AND r.case_id IS NULL"
        rows = await self._rows(f"{SELECT} WHERE {where} ORDER BY r.imported_at DESC, r.id DESC LIMIT ? OFFSET ?",
                                [limit, offset])
        total = await self._one(f"SELECT COUNT(*) FROM recordings r WHERE {where}", [])
        return [self.recording(r) for r in rows], int(total[0]) if total else 0

    async def unmatched_since(self, since: datetime, limit: int) -> list[Recording]:
        """Recent unmatched recordings that a later call record may still match."""
        rows = await self._rows(f"{SELECT} WHERE r.call_id IS NULL AND r.case_id IS NULL AND r.imported_at >= ? "
                                "ORDER BY r.id LIMIT ?", [self.t(since), limit])
        return [self.recording(r) for r in rows]

    async def set_link(self, recording_id: int, call_id: int | None, case_id: int | None, rule: MatchRule,
                       note: str, user_id: int | None, at: datetime | None) -> None:
        await self.conn.execute(
            "UPDATE recordings SET call_id = ?, case_id = ?, match_rule = ?, match_note = ?, linked_by = ?, "
            "linked_at = ? WHERE id = ?", [call_id, case_id, rule.value, note, user_id, self.t(at), recording_id])

    async def known_sha(self, sha256: str) -> tuple[str, int] | None:
        row = await self._one("SELECT 'recording', id FROM recordings WHERE sha256 = ? UNION ALL "
                              "SELECT 'quarantine', id FROM recording_quarantine WHERE sha256 = ? LIMIT 1",
                              [sha256, sha256])
        return (row[0], row[1]) if row else None

    async def older_than(self, cutoff: datetime, limit: int) -> tuple[list[Recording], int, int, datetime | None]:
        """Recordings made before the cutoff (by their start, their call, or their import): for the report."""
        where = f"{WHEN} < ?"
        rows = await self._rows(f"{SELECT} WHERE {where} ORDER BY {WHEN} LIMIT ?", [self.t(cutoff), limit])
        agg = await self._one(f"SELECT COUNT(*), COALESCE(SUM(r.size), 0), MIN({WHEN}) FROM recordings r "
                              f"LEFT JOIN calls c ON c.id = r.call_id WHERE {where}", [self.t(cutoff)])
        assert agg is not None
        return [self.recording(r) for r in rows], int(agg[0]), int(agg[1]), self._f(agg[2])

    # -- quarantine -----------------------------------------------------------------------------------
    async def quarantine(self, source: Source, name: str, path: str, stored: str, size: int, sha256: str,
                         reason: Reason, detail: str, at: datetime) -> int:
        cur = await self.conn.execute(
            "INSERT INTO recording_quarantine (source, original_name, source_path, stored_name, size, sha256, "
            "reason, detail, quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [source.value, name, path, stored, size, sha256, reason.value, detail, self.t(at)])
        return int(cur.lastrowid)  # type: ignore[arg-type]

    async def quarantined(self, limit: int, offset: int = 0) -> tuple[list[QuarantineItem], int]:
        rows = await self._rows("SELECT * FROM recording_quarantine ORDER BY quarantined_at DESC, id DESC "
                                "LIMIT ? OFFSET ?", [limit, offset])
        total = await self._one("SELECT COUNT(*) FROM recording_quarantine", [])
        items = [QuarantineItem(r["id"], Source(r["source"]), r["original_name"], r["source_path"], r["size"],
                                Reason(r["reason"]), r["detail"], self._f(r["quarantined_at"]))  # type: ignore
                 for r in rows]
        return items, int(total[0]) if total else 0

    # -- the watchers' memory -------------------------------------------------------------------------
    async def seen_files(self, prefix: str) -> dict[str, tuple[int, int]]:
        rows = await self._rows("SELECT path, size, mtime_ns FROM recording_files WHERE substr(path, 1, ?) = ?",
                                [len(prefix), prefix])
        return {r["path"]: (r["size"], r["mtime_ns"]) for r in rows}

    async def mark_file(self, path: str, size: int, mtime_ns: int, outcome: str, recording_id: int | None,
                        at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO recording_files (path, size, mtime_ns, outcome, recording_id, seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, outcome = excluded.outcome, recording_id = excluded.recording_id, "
            "seen_at = excluded.seen_at", [path, size, mtime_ns, outcome, recording_id, self.t(at)])

    # -- audit ----------------------------------------------------------------------------------------
    async def audit(self, recording_id: int, user_id: int, action: str, at: datetime, case_id: int | None,
                    detail: str) -> None:
        await self.conn.execute(
            "INSERT INTO recording_audit (recording_id, user_id, action, at, case_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [recording_id, user_id, action, self.t(at), case_id, detail])

    async def audited_since(self, recording_id: int, user_id: int, action: str, since: datetime) -> bool:
        row = await self._one("SELECT 1 FROM recording_audit WHERE recording_id = ? AND user_id = ? AND action = ? "
                              "AND at >= ? LIMIT 1", [recording_id, user_id, action, self.t(since)])
        return row is not None

    async def audit_log(self, recording_id: int, limit: int = 200) -> list[dict[str, Any]]:
        rows = await self._rows(
            "SELECT a.id, a.user_id, u.name AS user_name, a.action, a.at, a.case_id, a.detail FROM recording_audit a "
            "JOIN users u ON u.id = a.user_id WHERE a.recording_id = ? ORDER BY a.at DESC, a.id DESC LIMIT ?",
            [recording_id, limit])
        return [dict(r) for r in rows]

    # -- calls (read only: telephony owns the table) --------------------------------------------------
    def _candidate(self, r: aiosqlite.Row) -> CallCandidate:
        return CallCandidate(r["id"], r["linked_id"], r["caller_number"], self._f(r["offered_at"]),  # type: ignore
                             self._f(r["answered_at"]), r["recording"])

    async def calls_named(self, name: str, since: datetime, until: datetime) -> list[CallCandidate]:
        """Calls in the window whose announced recording is this file name (in any folder)."""
        tail = "/" + name
        rows = await self._rows(
            "SELECT id, linked_id, caller_number, offered_at, answered_at, recording FROM calls "
            "WHERE offered_at >= ? AND offered_at <= ? AND recording != '' AND (recording = ? OR substr(recording, ?) = ?)",
            [self.t(since), self.t(until), name, -len(tail), tail])
        return [self._candidate(r) for r in rows]

    async def calls_by_linked_id(self, linked_id: str) -> list[CallCandidate]:
        rows = await self._rows("SELECT id, linked_id, caller_number, offered_at, answered_at, recording FROM calls "
                                "WHERE linked_id = ?", [linked_id])
        return [self._candidate(r) for r in rows]

    async def calls_of_number(self, number: str, since: datetime, until: datetime) -> list[CallCandidate]:
        rows = await self._rows(
            "SELECT id, linked_id, caller_number, offered_at, answered_at, recording FROM calls "
            "WHERE caller_number = ? AND offered_at >= ? AND offered_at <= ? ORDER BY offered_at",
            [number, self.t(since), self.t(until)])
        return [self._candidate(r) for r in rows]

    async def call_state(self, call_id: int) -> tuple[bool, bool] | None:
        """(exists, ended) of a call."""
        row = await self._one("SELECT ended_at FROM calls WHERE id = ?", [call_id])
        return None if row is None else (True, row[0] is not None)

    async def case_id_by_number(self, number: str) -> int | None:
        row = await self._one("SELECT id FROM cases WHERE number = ?", [number.strip()])
        return int(row[0]) if row else None
