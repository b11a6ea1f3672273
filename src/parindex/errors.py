"""One error type for bad input, carrying every problem found.

Loaders and validators collect all problems before raising, so a user fixing a file sees
the whole list at once instead of one error per attempt.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    source: str  # file name, or a logical name such as "inputs"
    location: str  # "row 12", "node 1.2.3", "sheet Khung, row 7"
    field: str  # column or key concerned ("" when the whole record is concerned)
    message: str

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.location, self.field) if p]
        return ": ".join([*parts, self.message])


class InputError(ValueError):
    """Raised with every problem found in an input; nothing has been changed."""

    def __init__(self, problems: list[Problem], limit: int = 200):
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            shown.append(f"... and {len(self.problems) - limit} more problems")
        super().__init__("\n".join(shown) if shown else "invalid input")
