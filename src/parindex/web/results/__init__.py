"""Results and dashboards: rankings, unit profiles, exports, and the public results pages.

Reads only the results snapshot a campaign writes at finalisation (`UnitResult`,
`NodeResult`); every computation on it is the core's (`parindex.analysis`). See `views.py`
for the URLs and who may open them.
"""
