-- No query reads cases by (state, closed_at); state filters use cases_state_deadline. Every index
-- naming `state` is rewritten on each state change, and pages written are what a commit costs.
DROP INDEX IF EXISTS cases_state_closed;
