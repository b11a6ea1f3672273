"""The heads page of a campaign: each unit's head with the classification and the reasons,
from the results, the dossier data (or none), the remedial plans; the rule set shown,
downloaded, replaced by the province's own (validated, problems named); Excel export;
who sees what. Known answers computed by hand from the results fixtures:

2025 (index; field 1, field 2; class): D1 87.5 (85, 90) Tốt · D2 85 (100, 70) Tốt ·
D3 85 (90, 80) Tốt · D4 50 (50, 50) Khá · D5 80 (80, 80) Tốt · B1 80 (80, 90) Tốt.
"""

# ruff: noqa: F401, F811 (pytest fixtures imported from the support modules)

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from test_remedial_support import campaigns, client_for, on, people, province_plan, units

from parindex.analysis.heads import default_head_rules_text
from parindex.web.heads.models import HeadRuleSetFile

pytestmark = pytest.mark.django_db

RULES = """\
id: phuoc-2025
name: Quy tắc xếp loại người đứng đầu tỉnh Phước
version: "2025.1"
example: false
classes:
  - {key: xs, name: Hoàn thành xuất sắc nhiệm vụ}
  - {key: tot, name: Hoàn thành tốt nhiệm vụ}
  - {key: ht, name: Hoàn thành nhiệm vụ}
  - {key: kht, name: Không hoàn thành nhiệm vụ}
fields: {direction: "1", procedures: "2"}
rules:
  - id: xs
    class: xs
    all:
      - {metric: index, op: ">=", value: 87.5}
      - {metric: min_field, op: ">=", value: 85}
      - {metric: overdue_dossiers, op: "<=", value: 0}
      - {metric: remedial_completion, op: ">=", value: 100}
  - id: tot
    class: tot
    all:
      - {metric: index, op: ">=", value: 80}
      - {metric: overdue_dossiers, op: "<=", value: 5}
      - {metric: remedial_completion, op: ">=", value: 50}
  - id: ht
    class: ht
    all:
      - {metric: index, op: ">=", value: 60}
      - {metric: class, op: not_in, value: [Yếu]}
  - id: kht
    class: kht
    otherwise: true
"""


@pytest.fixture(autouse=True)
def no_dossier_store(settings, tmp_path):
    settings.PARINDEX_DOSSIER_STORE = str(tmp_path / "dossiers")


def upload(client, campaign, text=RULES, name="quy-tac-phuoc.yaml"):
    rules = SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/yaml")
    return client.post(f"/heads/{campaign.pk}/rules/", {"action": "upload", "rules": rules})


@pytest.fixture
def own_rules(campaigns, people):
    response = upload(client_for(people.admin), campaigns.c2025)
    assert response.status_code == 302
    return HeadRuleSetFile.objects.get(active=True)


def rows(response):
    return {r["unit_code"]: r for r in response.context["rows"]}


def test_the_example_rule_set_is_shown_as_an_example(campaigns, people):
    response = client_for(people.viewer).get(f"/heads/{campaigns.c2025.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ví dụ, không phải quy định chính thức" in html
    assert "(ví dụ, không phải quy định chính thức)" in html  # in the rule set's name too
    assert response.context["rules"].example and response.context["record"] is None
    download = client_for(people.viewer).get(f"/heads/{campaigns.c2025.pk}/rules.yaml")
    assert download.status_code == 200 and download.content.decode() == default_head_rules_text()
    assert "example-1171-qnam-30-2018-hp-v1.yaml" in download["Content-Disposition"]


def test_classification_and_reasons_without_dossiers_or_plans(campaigns, people, own_rules):
    response = client_for(people.viewer).get(f"/heads/{campaigns.c2025.pk}/")
    got = rows(response)
    assert {c: r["classification"] for c, r in got.items()} == {
        "D1": "xs", "D2": "tot", "D3": "tot", "D4": "kht", "D5": "tot", "B1": "tot",
    }  # fmt: skip
    assert got["D2"]["missed"] == (
        "Chỉ số CCHC 85,00% < 87,50%; Lĩnh vực thấp nhất (Cải cách thủ tục hành chính) 70,00% < 85%"
    )
    assert got["D2"]["missed_list"] == [
        "Chỉ số CCHC 85,00% < 87,50%",
        "Lĩnh vực thấp nhất (Cải cách thủ tục hành chính) 70,00% < 85%",
    ]
    assert got["D4"]["missed"] == "Chỉ số CCHC 50,00% < 60%"
    assert got["D1"]["met"].endswith(
        "Không có dữ liệu hồ sơ quá hạn (điều kiện được bỏ qua); "
        "Không có kế hoạch khắc phục (điều kiện được bỏ qua)"
    )
    assert not response.context["has_dossiers"] and not response.context["has_plans"]
    html = response.content.decode()
    assert "Không có dữ liệu hồ sơ của năm này" in html
    assert "Ví dụ, không phải quy định chính thức" not in html  # the province's own rules
    assert [(k, n, c) for k, n, c in response.context["class_counts"]][0] == (
        "xs", "Hoàn thành xuất sắc nhiệm vụ", 1,
    )  # fmt: skip


def test_remedial_completion_of_the_previous_campaigns_plans(
    campaigns, people, own_rules, province_plan
):
    # the plan from the 2024 results was carried out in 2025: D1 1 of 3 tasks, D2 0 of 1
    response = client_for(people.viewer).get(f"/heads/{campaigns.c2025.pk}/")
    assert response.context["plans_campaign"].pk == campaigns.c2024.pk
    got = rows(response)
    assert got["D1"]["completion_pct"] == pytest.approx(100 / 3)
    assert (got["D1"]["classification"], got["D1"]["missed"]) == (
        "ht", "Tỷ lệ hoàn thành nhiệm vụ khắc phục 33,33% < 50%",
    )  # fmt: skip
    assert (got["D2"]["classification"], got["D2"]["missed"]) == (
        "ht", "Tỷ lệ hoàn thành nhiệm vụ khắc phục 0,00% < 50%",
    )  # fmt: skip
    assert got["D3"]["completion_pct"] is None and got["D3"]["classification"] == "tot"
    # the plans made from this campaign's results (none) can be chosen instead
    this = client_for(people.viewer).get(f"/heads/{campaigns.c2025.pk}/?plans=this")
    assert this.context["plans_campaign"].pk == campaigns.c2025.pk
    assert rows(this)["D1"]["classification"] == "xs"


def test_overdue_dossiers_from_the_dossiers_app(campaigns, people, own_rules, monkeypatch):
    from parindex.web.dossiers import services as dossiers

    seen = {}

    def counts(root, period):
        seen["args"] = (root.code, period.year)
        return pd.DataFrame(
            [
                {"unit_code": "D1", "metric": "dossier_on_time", "numerator": 10, "denominator": 10},
                {"unit_code": "D3", "metric": "dossier_on_time", "numerator": 32, "denominator": 40},
                {"unit_code": "D3", "metric": "online_dossier_share", "numerator": 1,
                 "denominator": 40},
            ]
        )  # fmt: skip

    monkeypatch.setattr(dossiers, "compute_counts", counts)
    response = client_for(people.viewer).get(f"/heads/{campaigns.c2025.pk}/")
    assert seen["args"] == ("P", 2025) and response.context["has_dossiers"]
    got = rows(response)
    assert (got["D1"]["overdue"], got["D3"]["overdue"], got["D2"]["overdue"]) == (0, 8, 0)
    assert got["D1"]["classification"] == "xs"
    assert (got["D3"]["classification"], got["D3"]["missed"]) == ("ht", "8 hồ sơ quá hạn (> 5)")


def test_the_page_works_when_the_dossier_data_fails(campaigns, people, monkeypatch):
    from parindex.web.dossiers import services as dossiers

    def broken(root, period):
        raise OSError("no store")

    monkeypatch.setattr(dossiers, "compute_counts", broken)
    response = client_for(people.viewer).get(f"/heads/{campaigns.c2025.pk}/")
    assert response.status_code == 200 and not response.context["has_dossiers"]
    assert all(r["overdue"] is None for r in response.context["rows"])


def test_head_names_filter_and_export(campaigns, people, own_rules):
    people.head.full_name = "Nguyễn Văn An"
    people.head.save()
    client = client_for(people.viewer)
    got = rows(client.get(f"/heads/{campaigns.c2025.pk}/"))
    assert got["D1"]["head"] == "Nguyễn Văn An" and got["D2"]["head"] == ""
    only = client.get(f"/heads/{campaigns.c2025.pk}/?class=kht").context["rows"]
    assert [r["unit_code"] for r in only] == ["D4"]
    response = client.get(f"/heads/{campaigns.c2025.pk}/heads.xlsx?class=kht")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [c.value for c in ws[6]]
    assert header[:6] == ["STT", "Mã đơn vị", "Đơn vị", "Người đứng đầu", "Chỉ số (%)", "Xếp loại"]
    assert header[-2:] == ["Xếp loại người đứng đầu", "Lý do"]
    data = [r for r in ws.iter_rows(min_row=7, values_only=True)]
    assert len(data) == 1 and data[0][1] == "D4" and data[0][4] == 50
    assert data[0][-2] == "Không hoàn thành nhiệm vụ"
    assert data[0][-1] == "Chỉ số CCHC 50,00% < 60%"
    full = load_workbook(io.BytesIO(client.get(f"/heads/{campaigns.c2025.pk}/heads.xlsx").content))
    assert full.sheetnames == ["Người đứng đầu", "Bộ quy tắc"]
    assert full["Bộ quy tắc"]["A1"].value == "Quy tắc xếp loại người đứng đầu tỉnh Phước"
    assert full["Người đứng đầu"].max_row == 6 + 6


def test_the_example_label_is_in_the_export(campaigns, people):
    content = client_for(people.admin).get(f"/heads/{campaigns.c2025.pk}/heads.xlsx").content
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    assert ws["A3"].value == "Ví dụ, không phải quy định chính thức"


def test_an_invalid_rule_file_is_refused_naming_the_file_and_the_rule(campaigns, people):
    bad = RULES.replace(
        '{metric: index, op: ">=", value: 60}', '{metric: index, op: "=>", value: 60}'
    )
    response = upload(client_for(people.admin), campaigns.c2025, bad, "quy-tac-sai.yaml")
    assert response.status_code == 400
    assert response.context["upload_problems"] == [
        "quy-tac-sai.yaml: rule 3 (ht): all[1].op: '=>' is not one of < <= > >= == !="
    ]
    assert "quy-tac-sai.yaml: rule 3 (ht)" in response.content.decode()
    assert not HeadRuleSetFile.objects.exists()


def test_uploading_and_going_back_to_the_example(campaigns, people, own_rules):
    client = client_for(people.admin)
    page = client.get(f"/heads/{campaigns.c2025.pk}/")
    assert page.context["rules"].id == "phuoc-2025" and page.context["record"] == own_rules
    yaml = client.get(f"/heads/{campaigns.c2025.pk}/rules.yaml")
    assert yaml.content.decode() == RULES and "quy-tac-phuoc.yaml" in yaml["Content-Disposition"]
    second = RULES.replace('version: "2025.1"', 'version: "2025.2"')
    assert upload(client, campaigns.c2025, second, "v2.yaml").status_code == 302
    assert list(HeadRuleSetFile.objects.filter(active=True).values_list("version", flat=True)) == [
        "2025.2"
    ]
    assert HeadRuleSetFile.objects.count() == 2  # the earlier one is kept, not in use
    response = client.post(f"/heads/{campaigns.c2025.pk}/rules/", {"action": "default"})
    assert response.status_code == 302
    assert client.get(f"/heads/{campaigns.c2025.pk}/").context["rules"].example


def test_who_sees_what(campaigns, people, units):
    url = f"/heads/{campaigns.c2025.pk}/"
    assert client_for().get(url).status_code == 302
    assert client_for(people.admin).get("/heads/999/").status_code == 404
    for user in (people.admin_q, people.nobody):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).get(url + "heads.xlsx").status_code == 403
        assert client_for(user).get(url + "rules.yaml").status_code == 403
    own = client_for(people.reporter).get(url)  # reporter of D1: its own head only
    assert [r["unit_code"] for r in own.context["rows"]] == ["D1"] and own.context["scoped"]
    xlsx = client_for(people.reporter).get(url + "heads.xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).worksheets[0].max_row == 7
    d2 = client_for(people.viewer_d2).get(url)
    assert [r["unit_code"] for r in d2.context["rows"]] == ["D2"]
    assert len(client_for(people.viewer).get(url).context["rows"]) == 6
    # only the province's campaign administrators change the rule set
    for user in (people.viewer, people.reporter, people.admin_q):
        assert upload(client_for(user), campaigns.c2025).status_code == 403
    assert not HeadRuleSetFile.objects.exists()
    index = client_for(people.viewer).get("/heads/")
    assert index.status_code == 200 and len(index.context["campaigns"]) == 3
