"""Page numbers as every list takes them: at least 1, and never so large that OFFSET leaves SQLite's integers."""
from __future__ import annotations

MAX_PAGE = 1_000_000  # far beyond any list (a million pages of 100)


def clamp_page(page: int, per_page: int, cap: int = 100) -> tuple[int, int]:
    """(page, per_page) within 1..MAX_PAGE and 1..cap."""
    return max(1, min(page, MAX_PAGE)), max(1, min(per_page, cap))
