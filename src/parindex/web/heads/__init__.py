"""Responsibility of heads of agencies: a rule set (data) mapping a unit's results to its head's task-completion classification, with the reasons."""
