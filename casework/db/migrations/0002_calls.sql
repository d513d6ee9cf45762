-- Call records (来电 / 去电): one row per inbound hotline call and per call the platform originated.
-- linked_id is the PBX's id of the call: unique, so a record written at answer time and again at
-- hang-up (or again after a reconnect) stays one row.
CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    linked_id TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    purpose TEXT NOT NULL DEFAULT 'none' CHECK (purpose IN ('none', 'callback', 'spy')),
    caller_number TEXT NOT NULL DEFAULT '',
    caller_name TEXT NOT NULL DEFAULT '',
    queue TEXT NOT NULL DEFAULT '',
    offered_at TEXT NOT NULL,
    answered_at TEXT,
    ended_at TEXT,
    wait_seconds INTEGER NOT NULL DEFAULT 0,
    ring_seconds INTEGER NOT NULL DEFAULT 0,
    talk_seconds INTEGER NOT NULL DEFAULT 0,
    agent_interface TEXT NOT NULL DEFAULT '',
    agent_name TEXT NOT NULL DEFAULT '',
    agent_user_id INTEGER REFERENCES users(id),
    recording TEXT NOT NULL DEFAULT '',
    hangup_cause INTEGER NOT NULL DEFAULT 0,
    hangup_cause_text TEXT NOT NULL DEFAULT '',
    hangup_side TEXT NOT NULL DEFAULT 'system' CHECK (hangup_side IN ('caller', 'agent', 'system')),
    case_id INTEGER REFERENCES cases(id),
    callback_of INTEGER REFERENCES calls(id),
    disposition TEXT NOT NULL CHECK (disposition IN
        ('pending', 'front_desk', 'forwarded', 'invalid', 'abandoned', 'outbound'))
);
CREATE INDEX calls_offered ON calls(offered_at);
CREATE INDEX calls_number ON calls(caller_number, offered_at);
CREATE INDEX calls_disposition ON calls(disposition, offered_at);
CREATE INDEX calls_agent ON calls(agent_user_id, offered_at);
CREATE INDEX calls_case ON calls(case_id) WHERE case_id IS NOT NULL;
CREATE INDEX calls_callback_of ON calls(callback_of) WHERE callback_of IS NOT NULL;
