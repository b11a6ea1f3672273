"""Report permissions on top of the foundation's (`parindex/web/accounts/rules.py`).

`rules` autodiscovers this module.

| permission (with `user.has_perm(name, unit)`) | granted to roles covering the unit |
|-----------------------------------------------|------------------------------------|
| parindex.admin_reports                        | campaign_admin (on the root unit: define report types, deadlines, see the matrix) |
| parindex.submit_reports                       | reporter, unit_head (upload the unit's reports) |

Seeing a unit's reports and downloading its files needs `parindex.view_unit` on that
unit; seeing the whole matrix of a root unit needs `parindex.view_unit` on the root.
"""

from __future__ import annotations

import rules

from parindex.web.accounts.rules import can_admin_campaigns, can_edit_self_assessment

rules.add_perm("parindex.admin_reports", can_admin_campaigns)
rules.add_perm("parindex.submit_reports", can_edit_self_assessment)
