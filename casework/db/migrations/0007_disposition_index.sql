-- The disposition index loses `state`: an index naming `state` is rewritten (two pages, delete and
-- insert) on every state change, and the lists that filter by disposition order by created_at.
-- The one list that filters on both, 回访 (closed, forwarded), gets a partial index of its own,
-- touched only by the two transitions into and out of it.
DROP INDEX IF EXISTS cases_disposition;
CREATE INDEX cases_disposition ON cases(disposition, created_at);
CREATE INDEX cases_callback ON cases(disposition, created_at) WHERE state = 'closed';
