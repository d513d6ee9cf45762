"""Insight dirty marks (was 0011_insight_marks.sql): the same triggers as 0004, re-created with the
new rule for a day already marked.

A day already marked dirty and not yet claimed by a refresh is left alone: the mark's page is then
not rewritten by every case action (pages written are what a commit costs). `stamp` now says
0 = waiting, 1 = claimed by the refresh in progress; a change to a claimed day sets it back to 0,
so the refresh, which deletes only rows still claimed, never drops a later change.
"""
from __future__ import annotations

from pathlib import Path

from casework.db.migrate import load_migration

INSIGHT = load_migration(Path(__file__).with_name("0004_insight.py"))

SCRIPT = "UPDATE insight_dirty SET stamp = 0;\n" + "".join(
    f"DROP TRIGGER {name};\n" + INSIGHT.trigger(name, *how, update="stamp = 0 WHERE stamp != 0")
    for name, how in INSIGHT.MARKS.items())
