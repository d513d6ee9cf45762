"""Statistics, appraisal and hotspots (issue 7); was 0004_insight.sql, the same SQL with the per-day
case counts written once for the two tables that hold them (city-wide and per department) and the
dirty-day triggers made from one table.

A migration is history: the count names are frozen here, not read from casework/insight/measures.py
(tests/integration/test_insight_schema.py checks that the two still agree).
"""
from __future__ import annotations

CASE_COUNTS = ("total", "on_time", "due_soon", "overdue_open", "done_on_time", "done_overdue", "returned", "extended",
               "reopened", "urged", "satisfied", "basic", "unsatisfied")
CASE_COUNT_COLUMNS = ",\n".join(f"    {name} INTEGER NOT NULL DEFAULT 0" for name in CASE_COUNTS) + ","

# Which day each write marks dirty: trigger → (event, table, the (kind, day) rows it marks).
CASE_OF_ROW = "SELECT 'case', substr(created_at, 1, 10) FROM cases WHERE id = NEW.case_id"
OLD_CALL_DAY = ("SELECT 'call', substr(OLD.offered_at, 1, 10)\n"
                "        WHERE substr(OLD.offered_at, 1, 10) != substr(NEW.offered_at, 1, 10)")
MARKS = {
    "insight_case_insert": ("INSERT", "cases", ("VALUES ('case', substr(NEW.created_at, 1, 10))",)),
    "insight_case_update": ("UPDATE", "cases", ("VALUES ('case', substr(NEW.created_at, 1, 10))",)),
    "insight_assignment_insert": ("INSERT", "assignments", (CASE_OF_ROW,)),
    "insight_assignment_update": ("UPDATE", "assignments", (CASE_OF_ROW,)),
    "insight_extension_insert": ("INSERT", "extensions", (CASE_OF_ROW,)),
    "insight_extension_update": ("UPDATE", "extensions", (CASE_OF_ROW,)),
    "insight_call_insert": ("INSERT", "calls", ("VALUES ('call', substr(NEW.offered_at, 1, 10))",)),
    "insight_call_update": ("UPDATE", "calls", ("VALUES ('call', substr(NEW.offered_at, 1, 10))", OLD_CALL_DAY)),
}


def trigger(name: str, event: str, table: str, marks: tuple[str, ...], update: str = "stamp = stamp + 1") -> str:
    """One dirty-marking trigger (0011 re-creates them all with another `update`)."""
    body = "".join(f"    INSERT INTO insight_dirty (kind, day) {m}\n        ON CONFLICT (kind, day) DO UPDATE SET {update};\n"
                   for m in marks)
    return f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN\n{body}END;\n"


TRIGGERS = "".join(trigger(name, *how) for name, how in MARKS.items())

SCRIPT = f"""\
-- Statistics, appraisal and hotspots (issue 7).
--
-- Per-day totals (by the day a case was registered, the day a call was offered) so that a year of
-- statistics reads a few thousand rows instead of a million. Triggers mark a day dirty whenever a
-- case, an assignment, an extension or a call of that day is written; the insight service
-- recomputes the dirty days (and the days whose open cases crossed a deadline since its last look)
-- before it answers. `stamp` changes on every write, so a refresh that read an older stamp leaves
-- the day dirty for the next one.
CREATE TABLE insight_dirty (
    kind TEXT NOT NULL CHECK (kind IN ('case', 'call')),
    day TEXT NOT NULL,
    stamp INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, day)
) WITHOUT ROWID;

-- The clock of the last refresh: the time classes of open cases (正常 / 即将逾期 / 超期未办结) and
-- of unsigned assignments depend on it.
CREATE TABLE insight_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    clock_now TEXT,
    clock_soon TEXT,
    sign_cut TEXT,
    refreshed_at TEXT
);
INSERT INTO insight_state (id) VALUES (1);

-- 办件统计: one row per registration day, dimension ('all', 'case_type', 'source', 'urgency',
-- 'state', 'district', 'department') and value of that dimension.
CREATE TABLE insight_case_days (
    day TEXT NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
{CASE_COUNT_COLUMNS}
    PRIMARY KEY (day, dim, key)
) WITHOUT ROWID;

-- The same per department, over the cases a leader of that one department sees (ever dispatched to it,
-- or concerning it): his statistics without scanning a year of cases.
CREATE TABLE insight_scope_days (
    department_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
{CASE_COUNT_COLUMNS}
    PRIMARY KEY (department_id, day, dim, key)
) WITHOUT ROWID;
CREATE INDEX insight_scope_days_day ON insight_scope_days(day);

-- 考核: per registration day and department, counted per (case, department) pair.
CREATE TABLE insight_dept_days (
    day TEXT NOT NULL,
    department_id INTEGER NOT NULL,
    assigned INTEGER NOT NULL DEFAULT 0,
    sign_due INTEGER NOT NULL DEFAULT 0,
    signed_in_time INTEGER NOT NULL DEFAULT 0,
    returned INTEGER NOT NULL DEFAULT 0,
    done_due INTEGER NOT NULL DEFAULT 0,
    done_on_time INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0,
    reopened INTEGER NOT NULL DEFAULT 0,
    feedback INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, department_id)
) WITHOUT ROWID;

-- 来电情况 统计表: per offered day, dimension ('all', 'queue', 'agent') and value.
CREATE TABLE insight_call_days (
    day TEXT NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    offered INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    abandoned INTEGER NOT NULL DEFAULT 0,
    in_time INTEGER NOT NULL DEFAULT 0,
    wait_sum INTEGER NOT NULL DEFAULT 0,
    wait_max INTEGER NOT NULL DEFAULT 0,
    talk_sum INTEGER NOT NULL DEFAULT 0,
    invalid INTEGER NOT NULL DEFAULT 0,
    front_desk INTEGER NOT NULL DEFAULT 0,
    forwarded INTEGER NOT NULL DEFAULT 0,
    callbacks INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, dim, key)
) WITHOUT ROWID;

{TRIGGERS}
-- Data written before this migration: every day is dirty once.
INSERT OR IGNORE INTO insight_dirty (kind, day) SELECT DISTINCT 'case', substr(created_at, 1, 10) FROM cases;
INSERT OR IGNORE INTO insight_dirty (kind, day) SELECT DISTINCT 'call', substr(offered_at, 1, 10) FROM calls;

-- Unsigned assignments, oldest first: the ones whose 签收 became late since the last refresh.
CREATE INDEX insight_assignments_unsigned ON assignments(dispatched_at) WHERE state = 'pending_signoff';
-- A department's cases of a period (a department leader's statistics): assignments by dispatch time.
CREATE INDEX insight_assignments_department ON assignments(department_id, dispatched_at, case_id);
-- Calls of an agent or a queue over a period (drill-down lists).
CREATE INDEX insight_calls_queue ON calls(queue, offered_at);

-- 考核 weights, set by the administrator (whole numbers; the score divides by their sum).
CREATE TABLE appraisal_weights (
    metric TEXT PRIMARY KEY CHECK (metric IN ('sign', 'return', 'on_time', 'reopen', 'satisfaction')),
    weight INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 100),
    updated_by INTEGER REFERENCES users(id),
    updated_at TEXT
);
INSERT INTO appraisal_weights (metric, weight) VALUES
    ('sign', 15), ('return', 15), ('on_time', 30), ('reopen', 15), ('satisfaction', 25);

-- 热点 as the supervisors curated them. Automatically found candidates live in memory until a
-- supervisor confirms or dismisses them; `terms` (JSON list) are the words and place names whose
-- cases the hotspot gathers.
CREATE TABLE hotspots (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('topic', 'place', 'manual')),
    terms TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'dismissed', 'merged')),
    merged_into INTEGER REFERENCES hotspots(id),
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES users(id),
    updated_at TEXT NOT NULL
);
CREATE INDEX hotspots_status ON hotspots(status, updated_at);
"""
