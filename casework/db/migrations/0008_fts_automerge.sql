-- FTS5 merges index segments during inserts once `automerge` of them pile up at a level (default 4).
-- At a million cases those merges made registering a case write about twice the pages on average;
-- merging at 8 halves how often, and a search reads at most a few more small segments.
INSERT INTO case_fts(case_fts, rank) VALUES('automerge', 8);
