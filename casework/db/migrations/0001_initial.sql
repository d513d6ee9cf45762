CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'department',
    district TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    sort INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    leader_scope TEXT,
    phone_ext TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX users_department ON users(department_id);

CREATE TABLE sessions (
    token TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE case_counters (day TEXT PRIMARY KEY, last INTEGER NOT NULL);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    query_code TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    district TEXT NOT NULL DEFAULT '',
    caller_name TEXT NOT NULL DEFAULT '',
    caller_phone TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    case_type TEXT NOT NULL,
    urgency TEXT NOT NULL,
    state TEXT NOT NULL,
    disposition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    deadline TEXT NOT NULL,
    closed_at TEXT,
    overdue_done INTEGER NOT NULL DEFAULT 0,
    result TEXT NOT NULL DEFAULT '',
    supervision_opinion TEXT NOT NULL DEFAULT '',
    feedback_at TEXT,
    resolved INTEGER,
    satisfaction TEXT,
    feedback_opinion TEXT NOT NULL DEFAULT '',
    reopen_count INTEGER NOT NULL DEFAULT 0,
    return_count INTEGER NOT NULL DEFAULT 0,
    urge_count INTEGER NOT NULL DEFAULT 0,
    merged_into INTEGER REFERENCES cases(id),
    concern_department_id INTEGER REFERENCES departments(id),
    knowledge_article_id INTEGER,
    call_id INTEGER,
    version INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_created ON cases(created_at);
CREATE INDEX cases_state_deadline ON cases(state, deadline);
CREATE INDEX cases_state_closed ON cases(state, closed_at);
CREATE INDEX cases_phone ON cases(caller_phone, created_at);
CREATE INDEX cases_disposition ON cases(disposition, state, created_at);
CREATE INDEX cases_overdue_done ON cases(created_at) WHERE overdue_done = 1;
CREATE INDEX cases_merged ON cases(merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX cases_concern ON cases(concern_department_id, created_at) WHERE concern_department_id IS NOT NULL;

CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    department_id INTEGER NOT NULL REFERENCES departments(id),
    state TEXT NOT NULL,
    is_lead INTEGER NOT NULL,
    instructions TEXT NOT NULL DEFAULT '',
    dispatched_at TEXT NOT NULL,
    handler_id INTEGER REFERENCES users(id),
    signed_at TEXT,
    completed_at TEXT,
    opinion TEXT NOT NULL DEFAULT '',
    return_reason TEXT NOT NULL DEFAULT '',
    returned_at TEXT
);
CREATE INDEX assignments_case ON assignments(case_id);
CREATE INDEX assignments_department ON assignments(department_id, state, case_id);
CREATE INDEX assignments_handler ON assignments(handler_id, state);

CREATE TABLE flow (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    role TEXT NOT NULL,
    department_id INTEGER,
    action TEXT NOT NULL,
    label TEXT NOT NULL,
    opinion TEXT NOT NULL DEFAULT '',
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL
);
CREATE INDEX flow_case ON flow(case_id, id);
CREATE INDEX flow_actor ON flow(actor_id, case_id);

CREATE TABLE urgings (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    author_id INTEGER NOT NULL,
    author_name TEXT NOT NULL,
    role TEXT NOT NULL,
    opinion TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX urgings_case ON urgings(case_id);

CREATE TABLE extensions (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    department_id INTEGER NOT NULL,
    requested_by INTEGER NOT NULL,
    days INTEGER NOT NULL,
    reason TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by INTEGER,
    decided_at TEXT,
    decision_opinion TEXT NOT NULL DEFAULT ''
);
CREATE INDEX extensions_case ON extensions(case_id);
CREATE INDEX extensions_pending ON extensions(status) WHERE status = 'pending';

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    stored_name TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by INTEGER NOT NULL,
    uploaded_at TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by INTEGER
);
CREATE INDEX attachments_case ON attachments(case_id);

CREATE TABLE deadline_rules (
    case_type TEXT NOT NULL,
    urgency TEXT NOT NULL,
    days INTEGER NOT NULL,
    PRIMARY KEY (case_type, urgency)
);

CREATE TABLE calendar_overrides (
    day TEXT PRIMARY KEY,
    is_workday INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE kb_categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    sort INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES kb_categories(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    department_id INTEGER REFERENCES departments(id),
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX kb_articles_category ON kb_articles(category_id);

-- Contentless full-text indexes of overlapping character bigrams (see casework/search/text.py).
CREATE VIRTUAL TABLE case_fts USING fts5(body, content='', tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE kb_fts USING fts5(body, content='', tokenize='unicode61 remove_diacritics 0');
