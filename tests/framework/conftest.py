"""Sample frameworks shared by the framework tests (test data, not package data)."""

from __future__ import annotations

import pytest

# Invented for tests: every rule type, bonus and penalty, an exclusive classification
# band, multi-line scoring text and Vietnamese text. Not an official framework.
FULL_YAML = """\
id: test-full
name: "Khung thử nghiệm đầy đủ (không chính thức)"
version: "2024.1"
unit_kind: department
max_points: 20
example: true
description: Khung chỉ dùng cho kiểm thử.
source:
  decision: "Không có — dữ liệu tự tạo"
  year: 2024
classification:
  - {label: "Tốt", min: 80, inclusive: false, name: "Xếp loại Tốt"}
  - {label: "Khá", min: 70}
  - {label: "Trung bình", min: 50}
  - {label: "Yếu", min: 0}
nodes:
  - code: "1"
    name: "Công tác chỉ đạo, điều hành CCHC"
    max_points: 10
    children:
      - code: "1.1"
        name: "Ban hành kế hoạch CCHC năm"
        max_points: 1
        method: appraisal
        rule:
          type: options
          options:
            - {label: "Ban hành kịp thời", points: 1}
            - {label: "Ban hành chậm", points: 0.5}
            - {label: "Không ban hành", share: 0}
        scoring_text: |
          Ban hành kịp thời: 1 điểm
          Ban hành chậm: 0,5 điểm
          Không ban hành: 0
      - code: "1.2"
        name: "Tỷ lệ hồ sơ đúng hạn"
        max_points: 2
        method: data
        rule:
          type: bands
          bands:
            - {min: 1, points: 2}
            - {min: 0.95, share: 0.5}
            - {min: 0, points: 0}
      - code: "1.3"
        name: "Tự chấm"
        max_points: 1.5
        method: appraisal
        rule: {type: manual, step: 0.25}
        note: "Ghi chú: chấm theo bước 0,25"
      - code: "1.4"
        name: "Mức độ hoàn thành kế hoạch"
        max_points: 2.5
        method: data
        rule: {type: linear, target: 0.9}
      - code: "1.5"
        name: "Vi phạm kỷ luật"
        max_points: 2
        method: appraisal
        rule: {type: deduction, per: 0.25, start: 2}
      - code: "1.6"
        name: "Công thức"
        max_points: 1
        method: data
        rule:
          type: formula
          inputs: [done, total]
          expr: "if(total > 0, min(done / total, 1), 0) * max_points"
  - code: "2"
    name: "Tác động của CCHC"
    max_points: 10
    children:
      - code: "2.1"
        name: "Mức độ hài lòng"
        max_points: 6
        method: survey
        rule: {type: survey}
      - code: "2.2"
        name: "Chấm trực tiếp"
        max_points: 4
        rule: {type: manual}
bonus:
  name: "Điểm thưởng"
  cap: 3
  nodes:
    - code: "T1"
      name: "Sáng kiến được công nhận"
      max_points: 2
      rule: {type: manual, step: 0.5}
    - code: "T2"
      name: "Giải thưởng"
      max_points: 1
      rule:
        type: options
        options:
          - {label: "Có", points: 1}
          - {label: "Không", points: 0}
penalty:
  name: "Điểm trừ"
  cap: 5
  nodes:
    - code: "P1"
      name: "Bị phê bình"
      max_points: 5
      rule: {type: deduction, per: 1}
"""


# The smallest valid framework, as plain data, for tests that break one thing at a time.
def minimal_dict() -> dict:
    return {
        "id": "mini",
        "name": "Khung nhỏ",
        "version": "1",
        "unit_kind": "commune",
        "max_points": 10,
        "nodes": [
            {
                "code": "1",
                "name": "Lĩnh vực 1",
                "max_points": 10,
                "children": [
                    {"code": "1.1", "name": "A", "max_points": 4, "rule": {"type": "manual"}},
                    {"code": "1.2", "name": "B", "max_points": 6, "rule": {"type": "manual"}},
                ],
            }
        ],
    }


@pytest.fixture
def full_yaml() -> str:
    return FULL_YAML


@pytest.fixture
def mini() -> dict:
    return minimal_dict()
