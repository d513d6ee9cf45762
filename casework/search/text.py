"""Turning text into overlapping character bigrams, and queries into FTS5 phrase matches.

Chinese has no spaces, and a trigram index cannot find the two-character words people type most
(停水, 噪音). Indexing every run of letters and digits as overlapping bigrams, with the run's last
character as a one-character token, makes any substring of two or more characters a phrase of
consecutive bigrams, and any single character a prefix query: exact substring search, no
dictionary needed.
"""
from __future__ import annotations

import re
import unicodedata

RUN_RE = re.compile(r"[^\W_]+", re.UNICODE)


def _runs(text: str) -> list[str]:
    return RUN_RE.findall(unicodedata.normalize("NFKC", text).lower())


def _bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run))]


def index_text(*parts: str) -> str:
    """The document to store in the FTS table for these fields."""
    tokens: list[str] = []
    for part in parts:
        for run in _runs(part or ""):
            tokens.extend(_bigrams(run))
    return " ".join(tokens)


def query_runs(query: str) -> list[str]:
    return _runs(query)


def contains(runs: list[str], *parts: str) -> bool:
    """Whether the phrase query `match_query` makes of these runs finds a document of these fields:
    the index's rule without the index (each run inside one run of the document)."""
    document = [run for part in parts for run in _runs(part or "")]
    return all(any(run in d for d in document) for run in runs)


def match_query(query: str) -> str | None:
    """An FTS5 MATCH expression finding `query` as a substring; None when it has nothing searchable."""
    clauses = []
    for run in _runs(query):
        if len(run) == 1:
            clauses.append(f'"{run}"*')
        else:
            clauses.append('"' + " ".join(run[i:i + 2] for i in range(len(run) - 1)) + '"')
    return " AND ".join(clauses) if clauses else None
