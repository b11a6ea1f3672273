"""Periodic reform reports (báo cáo CCHC định kỳ): report types and their periods, units'
submissions with on-time / late / missing status, reminders, and the on-time figures
as values of a campaign's reporting leaf (`parindex.web.reports`).

The rules (periods, deadlines, classification) are in `periods.py` (pure) and
`services.py`; views only check permissions and call them.
"""
