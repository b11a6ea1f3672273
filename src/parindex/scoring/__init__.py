"""Points, indices, ranking, classification and year-over-year change."""

from parindex.scoring.classify import classify
from parindex.scoring.engine import ScoreResult, score
from parindex.scoring.ranking import competition_rank

__all__ = ["ScoreResult", "classify", "competition_rank", "score"]
