"""Read-only insight: first versions of 来电情况 统计表, 办件统计 and 热点 (issue 7 completes them)."""
