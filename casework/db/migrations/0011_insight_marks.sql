-- A day already marked dirty and not yet claimed by a refresh is left alone: the mark's page is
-- then not rewritten by every case action (pages written are what a commit costs). `stamp` now
-- says 0 = waiting, 1 = claimed by the refresh in progress; a change to a claimed day sets it back
-- to 0, so the refresh, which deletes only rows still claimed, never drops a later change.
UPDATE insight_dirty SET stamp = 0;
DROP TRIGGER insight_case_insert;
CREATE TRIGGER insight_case_insert AFTER INSERT ON cases BEGIN
    INSERT INTO insight_dirty (kind, day) VALUES ('case', substr(NEW.created_at, 1, 10))
        ON CONFLICT (kind, day) DO UPDATE SET stamp = 0 WHERE stamp != 0;
END;
DROP TRIGGER insight_case_update;
CREATE TRIGGER insight_case_update AFTER UPDATE ON cases BEGIN
    INSERT INTO insight_dirty (kind, day) VALUES ('case', substr(NEW.created_at, 1, 10))
        ON CONFLICT (kind, day) DO UPDATE SET stamp = 0 WHERE stamp != 0;
END;
DROP TRIGGER insight_assignment_insert;
CREATE TRIGGER insight_assignment_insert AFTER INSERT ON assignments BEGIN
    INSERT INTO insight_dirty (kind, day) SELECT 'case', substr(created_at, 1, 10) FROM cases WHERE id = NEW.case_id
        ON CONFLICT (kind, day) DO UPDATE SET stamp = 0 WHERE stamp != 0;
END;
DROP TRIGGER insight_assignment_update;
CREATE TRIGGER insight_assignment_update AFTER UPDATE ON assignments BEGIN
    INSERT INTO insight_dirty (kind, day) SELECT 'case', substr(created_at, 1, 10) FROM cases WHERE id = NEW.case_id
        ON CONFLICT (kind, day) DO UPDATE SET stamp = 0 WHERE stamp != 0;
END;
DROP TRIGGER insight_extension_insert;
CREATE TRIGGER insight_extension_insert AFTER INSERT ON extensions BEGIN
    INSERT INTO insight_dirty (kind, day) SELECT 'case', substr(created_at, 1, 10) FROM cases WHERE id = NEW.case_id
        ON CONFLICT (kind, day) DO UPDATE SET stamp = 0 WHERE stamp != 0;
END;
DROP TRIGGER insight_extension_update;
CREATE TRIGGER insight_extension_update AFTER UPDATE ON extensions BEGIN
    INSERT INTO insight_dirty (kind, day) SELECT 'case', substr(created_at, 1, 10) FROM cases WHERE id = NEW.case_id
        ON CONFLICT (kind, day) DO UPDATE SET stamp = 0 WHERE stamp != 0;
END;
DROP TRIGGER insight_call_insert;
CREATE TRIGGER insight_call_insert AFTER INSERT ON calls BEGIN
    INSERT INTO insight_dirty (kind, day) VALUES ('call', substr(NEW.offered_at, 1, 10))
        ON CONFLICT (kind, day) DO UPDATE SET stamp = 0 WHERE stamp != 0;
END;
DROP TRIGGER insight_call_update;
CREATE TRIGGER insight_call_update AFTER UPDATE ON calls BEGIN
    INSERT INTO insight_dirty (kind, day) VALUES ('call', substr(NEW.offered_at, 1, 10))
        ON CONFLICT (kind, day) DO UPDATE SET stamp = 0 WHERE stamp != 0;
    INSERT INTO insight_dirty (kind, day) SELECT 'call', substr(OLD.offered_at, 1, 10)
        WHERE substr(OLD.offered_at, 1, 10) != substr(NEW.offered_at, 1, 10)
        ON CONFLICT (kind, day) DO UPDATE SET stamp = 0 WHERE stamp != 0;
END;
