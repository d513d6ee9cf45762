-- Knowledge-base categories can be removed: hidden, not deleted, since deleted articles keep theirs.
ALTER TABLE kb_categories ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
