-- Cases are indexed for full-text search in batches behind registration (casework/search/indexer.py):
-- every case above `upto` is still to be indexed, and searches read those few directly.
-- Every case registered so far was indexed at registration.
CREATE TABLE search_progress (id INTEGER PRIMARY KEY CHECK (id = 1), upto INTEGER NOT NULL);
INSERT INTO search_progress (id, upto) VALUES (1, (SELECT COALESCE(MAX(id), 0) FROM cases));
