"""Assessment campaigns: self-assessment, appraisal, explanations, results (`parindex.web.campaigns`).

models.py describes the data, services.py holds every workflow rule (views only check
permissions and call it), values.py turns framework leaves into form widgets, and
uploads.py checks evidence files by their content.
"""
