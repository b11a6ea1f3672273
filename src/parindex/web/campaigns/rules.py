"""Campaign permissions on top of the foundation's (`parindex/web/accounts/rules.py`).

`rules` autodiscovers this module. One permission is added, for pages that show the
appraisal of a unit (appraised values, appraisal reasons, the full audit trail):

| permission                 | granted to roles covering the unit |
|----------------------------|------------------------------------|
| parindex.view_appraisal    | appraiser, campaign_admin          |

Reporters and heads of unit see their own appraised values only once the campaign is
finalised (on their unit page), never another unit's.
"""

from __future__ import annotations

import rules

from parindex.web.accounts.rules import can_admin_campaigns, can_appraise

rules.add_perm("parindex.view_appraisal", can_appraise | can_admin_campaigns)
