-- 超期未办结 at a million cases: open cases by deadline, without sorting every overdue one per page.
-- The state list is literal and sorted: a query uses this index only with the same list
-- (casework/cases/queries.py OPEN_SQL).
CREATE INDEX IF NOT EXISTS cases_open_deadline ON cases(deadline) WHERE state IN ('in_progress', 'pending_approval', 'pending_dispatch', 'pending_signoff', 'returned');
