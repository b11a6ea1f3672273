"""Household surveys (SIPAS): instruments, samples, one-time codes, the citizen web form,
imports of ODK/Kobo/paper exports, progress, estimates, and feeding campaigns' survey leaves.

Every computation is the core's (`parindex.survey`); this app stores and shows.
"""
