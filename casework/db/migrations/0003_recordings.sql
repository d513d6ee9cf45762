-- Recordings (录音, issue 6): one row per distinct audio file (by checksum), copied into the data folder.
-- A recording belongs to a call (and so to the call's case), or directly to a case when a supervisor
-- linked it by hand; with neither it waits in the unmatched list. Nothing here is ever deleted.
CREATE TABLE recordings (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL CHECK (source IN ('wma', 'pbx', 'import')),
    original_name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    container TEXT NOT NULL,
    codec TEXT NOT NULL,
    sample_rate INTEGER NOT NULL,
    channels INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    peaks BLOB NOT NULL,
    caller_number TEXT NOT NULL DEFAULT '',
    started_at TEXT,
    unique_id TEXT NOT NULL DEFAULT '',
    call_id INTEGER REFERENCES calls(id),
    case_id INTEGER REFERENCES cases(id),
    match_rule TEXT NOT NULL DEFAULT '' CHECK (match_rule IN
        ('', 'index', 'mixmonitor', 'unique_id', 'name_time', 'manual')),
    match_note TEXT NOT NULL DEFAULT '',
    linked_by INTEGER REFERENCES users(id),
    linked_at TEXT,
    imported_at TEXT NOT NULL
);
CREATE INDEX recordings_call ON recordings(call_id) WHERE call_id IS NOT NULL;
CREATE INDEX recordings_case ON recordings(case_id) WHERE case_id IS NOT NULL;
CREATE INDEX recordings_unmatched ON recordings(imported_at) WHERE call_id IS NULL AND case_id IS NULL;
CREATE INDEX recordings_started ON recordings(started_at);

-- Files refused by the import, with the reason; the file itself is kept in the quarantine folder.
CREATE TABLE recording_quarantine (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL CHECK (source IN ('wma', 'pbx', 'import')),
    original_name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    stored_name TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL CHECK (reason IN ('empty', 'not_audio', 'corrupt', 'truncated', 'timeout')),
    detail TEXT NOT NULL DEFAULT '',
    quarantined_at TEXT NOT NULL
);
CREATE INDEX recording_quarantine_at ON recording_quarantine(quarantined_at);
CREATE INDEX recording_quarantine_sha ON recording_quarantine(sha256) WHERE sha256 != '';

-- What the folder watchers have already handled, so a restart does not read every file again.
CREATE TABLE recording_files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    recording_id INTEGER REFERENCES recordings(id),
    seen_at TEXT NOT NULL
);

-- Who played, downloaded or linked which recording, and when.
CREATE TABLE recording_audit (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    action TEXT NOT NULL CHECK (action IN ('play', 'download', 'link')),
    at TEXT NOT NULL,
    case_id INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX recording_audit_recording ON recording_audit(recording_id, at);
CREATE INDEX recording_audit_user ON recording_audit(user_id, at);
