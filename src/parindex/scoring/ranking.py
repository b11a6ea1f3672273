"""Competition ranking (1, 2, 2, 4) on unrounded values, within groups.

Values equal up to floating-point noise (below `tolerance`) share a rank: two units with
the same points summed in a different order must not be split by a 1e-15 difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOLERANCE = 1e-9


def competition_rank(
    values: pd.Series | np.ndarray,
    groups: pd.Series | np.ndarray | None = None,
    *,
    ascending: bool = False,
    tolerance: float = TOLERANCE,
) -> np.ndarray:
    """Rank of each value within its group; the highest value is 1 unless `ascending`.

    NaN values get no rank (NaN). Returns float array (NaN-capable), one per input.
    """
    vals = np.asarray(values, dtype=float)
    snapped = np.round(vals / tolerance) * tolerance if tolerance else vals
    frame = pd.DataFrame(
        {"v": snapped, "g": 0 if groups is None else np.asarray(groups, dtype=object)}
    )
    ranks = frame.groupby("g", sort=False, dropna=False)["v"].rank(
        method="min", ascending=ascending
    )
    return ranks.to_numpy(dtype=float)
