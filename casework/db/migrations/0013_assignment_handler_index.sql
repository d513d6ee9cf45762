-- One index for a department's lists, with the handler in it: 待办办件 of one handler is then a seek
-- in the same index, and assignments_handler (rewritten at every 签收 and 办结, two pages each time)
-- is no longer needed.
DROP INDEX IF EXISTS assignments_handler;
DROP INDEX IF EXISTS assignments_department;
CREATE INDEX assignments_department ON assignments(department_id, state, handler_id, case_id);
