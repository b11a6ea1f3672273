"""A small framework using every rule type, built in code so the scoring tests do not
depend on the YAML loader."""

from __future__ import annotations

import pandas as pd

from parindex.framework.model import Band, Block, Framework, Node


def make_framework() -> Framework:
    return Framework(
        id="test-dept",
        name="Khung thử nghiệm",
        version="1",
        unit_kind="department",
        max_points=20,
        classification=[
            Band("Tốt", 80, inclusive=False),
            Band("Khá", 65),
            Band("Trung bình", 50),
            Band("Yếu", 0),
        ],
        nodes=[
            Node(
                "1",
                "Chỉ đạo, điều hành",
                8,
                children=[
                    Node(
                        "1.1",
                        "Kế hoạch",
                        2,
                        method="appraisal",
                        rule={"type": "manual", "step": 0.25},
                    ),
                    Node(
                        "1.2",
                        "Ban hành kế hoạch",
                        2,
                        method="appraisal",
                        rule={
                            "type": "options",
                            "options": [
                                {"label": "Ban hành kịp thời", "points": 2},
                                {"label": "Ban hành chậm", "points": 1},
                                {"label": "Không ban hành", "points": 0},
                            ],
                        },
                    ),
                    Node(
                        "1.3",
                        "Hồ sơ đúng hạn",
                        2,
                        method="data",
                        rule={
                            "type": "bands",
                            "bands": [
                                {"min": 1.0, "points": 2},
                                {"min": 0.95, "share": 0.5},
                                {"min": 0, "points": 0},
                            ],
                        },
                    ),
                    Node(
                        "1.4",
                        "Báo cáo đúng hạn",
                        2,
                        method="data",
                        rule={
                            "type": "formula",
                            "inputs": ["on_time", "required"],
                            "expr": "min(1, on_time / required) * max_points",
                        },
                    ),
                ],
            ),
            Node(
                "2",
                "Tác động",
                12,
                children=[
                    Node(
                        "2.1",
                        "Nộp trực tuyến",
                        4,
                        method="data",
                        rule={"type": "linear", "target": 0.5},
                    ),
                    Node(
                        "2.2",
                        "Vi phạm",
                        2,
                        method="appraisal",
                        rule={"type": "deduction", "per": 0.25},
                    ),
                    Node("2.3", "Hài lòng", 6, method="survey", rule={"type": "survey"}),
                ],
            ),
        ],
        bonus=Block(
            cap=1, nodes=[Node("T.1", "Sáng kiến", 2, method="appraisal", rule={"type": "manual"})]
        ),
        penalty=Block(
            cap=2,
            nodes=[Node("P.1", "Bị phê bình", 3, method="appraisal", rule={"type": "manual"})],
        ),
    )


def rows(*items) -> pd.DataFrame:
    """(unit, criterion, value[, track[, input[, applicable]]]) tuples → inputs table."""
    full = [tuple(item) + ("",) * (6 - len(item)) for item in items]
    return pd.DataFrame(
        full, columns=["unit_code", "criterion_code", "value", "track", "input", "applicable"]
    )
