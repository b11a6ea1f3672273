"""The annual PAR Index report (PDF and Excel) of a campaign, like the ministry's publication."""
