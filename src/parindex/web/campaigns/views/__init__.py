"""Campaign views (see admin.py, unit.py, appraisal.py); each is `unit_scoped`."""
