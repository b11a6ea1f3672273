"""Surveys (SIPAS, sociological survey): instruments, sampling, estimates. See issue 4."""
