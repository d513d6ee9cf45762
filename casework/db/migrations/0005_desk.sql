-- Numbers the call centre marked as nuisance callers (骚扰电话) after repeated invalid calls.
CREATE TABLE nuisance_numbers (
    number TEXT PRIMARY KEY,
    reason TEXT NOT NULL DEFAULT '',
    marked_by INTEGER REFERENCES users(id),
    marked_at TEXT NOT NULL
);
