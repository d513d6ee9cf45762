"""Statistics, appraisal and hotspots (issue 7): 来电情况 统计表, 办件统计, 考核, 热点, drill-down lists and exports."""
