"""Classification bands on the index % (A/B/C, Tốt/Khá/Trung bình/Yếu...).

Bands are framework data because every decision sets its own thresholds (and some say
"trên 80", strictly above): nothing here knows what the labels mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from parindex.framework.model import Band


def classify(index_pct: np.ndarray, bands: Sequence[Band]) -> np.ndarray:
    """Label of the highest band each index reaches; "" when none or the index is NaN."""
    # Floating-point noise must not push 89.999999999 below a 90 threshold.
    values = np.round(np.asarray(index_pct, dtype=float), 9)
    ordered = sorted(bands, key=lambda b: float(b.min), reverse=True)
    conditions = [
        (values >= float(b.min)) if b.inclusive else (values > float(b.min)) for b in ordered
    ]
    labels = [b.label for b in ordered]
    if not ordered:
        return np.full(values.shape, "", dtype=object)
    return np.select(conditions, labels, default="").astype(object)
