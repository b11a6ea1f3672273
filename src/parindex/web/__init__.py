"""The parindex web application (Django): settings, units, accounts and roles, base pages.

Apps: `parindex.web.core` (base templates, static files, health check, number formats),
`parindex.web.units` (dated unit hierarchy, import/export), `parindex.web.accounts`
(users, role assignments, permission predicates, sign-in lockout). Start it with
`parindex serve`; see docs/WEB.md.
"""
