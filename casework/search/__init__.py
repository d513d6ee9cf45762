"""Chinese substring search over an FTS5 index of character bigrams."""
