"""A remedial plan's life: proposed from lost points (recurring first), tasks frozen from the
results, progress with evidence, done, overdue derived from the deadline, and at the next
campaign whether each criterion recovered its points — known answers."""

# ruff: noqa: F401, F811 (pytest fixtures imported from the support modules)

from __future__ import annotations

import datetime as dt

import pytest
from test_remedial_support import (
    add,
    campaigns,
    client_for,
    make_plan,
    media,
    on,
    pdf_upload,
    people,
    province_plan,
    set_status,
    tasks_of,
    units,
)

from parindex.web.campaigns.models import Campaign
from parindex.web.remedial import services
from parindex.web.remedial.models import RemedialTask, TaskProgress

pytestmark = pytest.mark.django_db


def test_proposals_put_recurring_losses_first(campaigns, units):
    rows = services.lost_criteria(campaigns.c2024, units.d4)
    # every leaf of D4 lost points in 2023 and 2024; largest first, ties in framework order
    assert [(r["code"], r["lost"], r["recurring_years"]) for r in rows] == [
        ("1.1", 3, "2023, 2024"), ("2.2", 3, "2023, 2024"),
        ("1.2", 2, "2023, 2024"), ("2.1", 2, "2023, 2024"),
    ]  # fmt: skip
    rows = services.lost_criteria(campaigns.c2024, units.d3)
    # 2.2 recurs (lost 2023 and 2024) and comes before 2.1 (lost 2024 only), same size
    assert [(r["code"], r["streak"]) for r in rows] == [("2.2", 2), ("2.1", 0)]
    assert services.lost_criteria(campaigns.c2024, units.d1)[0]["field_name"] == (
        "Công tác chỉ đạo, điều hành"
    )


def test_admin_creates_a_province_plan_and_tasks_from_lost_points(campaigns, people, units, on):
    client = client_for(people.admin)
    page = client.get(f"/plans/new/{campaigns.c2024.pk}/")
    assert page.status_code == 200
    targets = [value for value, _label in page.context["form"].fields["target"].choices]
    assert targets[0] == "province" and str(units.d1.pk) in targets
    response = client.post(
        f"/plans/new/{campaigns.c2024.pk}/",
        {"target": "province", "number": "130/KH-UBND", "issued_on": "2025-03-05",
         "title": "Kế hoạch khắc phục năm 2025", "issuer": "UBND tỉnh Phước"},
    )  # fmt: skip
    plan = campaigns.c2024.remedial_plans.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert (plan.level, plan.unit, plan.number, plan.issued_on) == (
        "province", units.p, "130/KH-UBND", dt.date(2025, 3, 5),
    )  # fmt: skip

    url = f"/plans/{plan.pk}/units/{units.d1.pk}/"
    proposals = client.get(url).context["rows"]
    assert [(r["code"], r["recurring_years"]) for r in proposals] == [
        ("1.1", "2023, 2024"), ("2.1", ""),
    ]  # fmt: skip
    deadline = (on + dt.timedelta(days=60)).isoformat()
    response = client.post(
        url,
        {"select": ["1.1", "2.1"], "action-1.1": "Ban hành kế hoạch CCHC đúng hạn",
         "deadline-1.1": deadline, "expected-1.1": "1", "owner-1.1": str(units.d1.pk),
         "action-2.1": "Công khai đầy đủ thủ tục", "deadline-2.1": deadline,
         "expected-2.1": "0,5", "owner-2.1": str(units.d1.pk)},
    )  # fmt: skip
    assert response.status_code == 302
    task = plan.tasks.get(node_code="1.1")
    # frozen at creation from the 2024 results
    assert (task.node_name, task.field_code, task.field_name) == (
        "Kế hoạch cải cách hành chính", "1", "Công tác chỉ đạo, điều hành",
    )  # fmt: skip
    assert (task.max_points, task.points, task.lost_points) == (6, 5, 1)
    assert task.recurring_years == "2023, 2024" and task.status == "not_started"
    assert plan.tasks.get(node_code="2.1").expected_points == 0.5  # decimal comma accepted
    assert task.history.get().history_change_reason == services.REASON_TASK_CREATED


def test_invalid_tasks_are_refused_all_at_once(campaigns, people, units, on):
    plan = make_plan(campaigns.c2024, units.p, people.admin)
    url = f"/plans/{plan.pk}/units/{units.d1.pk}/"
    response = client_for(people.admin).post(
        url,
        {"select": ["1.1", "2.1", "1.2"], "action-1.1": "x", "deadline-1.1": "",
         "expected-1.1": "2", "action-2.1": "", "deadline-2.1": "2026-01-01",
         "expected-2.1": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["problems"] == [
        "1.1: hãy nhập thời hạn.",
        "1.1: điểm dự kiến khôi phục phải từ 0 đến 1 điểm bị trừ.",
        "2.1: hãy nêu nội dung nhiệm vụ.",
    ]  # 1.2 (not lost) is not even offered
    assert RemedialTask.objects.count() == 0
    with pytest.raises(services.RemedialError) as caught:
        add(plan, units.d1, people.admin, ("1.2", 1, on))
    assert caught.value.problems == ["1.2: đơn vị không bị trừ điểm ở tiêu chí này."]
    with pytest.raises(services.RemedialError):
        add(plan, units.d1, people.admin, ("1.1", -1, on))  # negative
    add(plan, units.d1, people.admin, ("1.1", 1, on))
    with pytest.raises(services.RemedialError) as caught:
        add(plan, units.d1, people.admin, ("1.1", 1, on))  # already planned
    assert len(caught.value.problems) == 1


def test_progress_with_evidence_then_done(province_plan, people, units, media):
    task = tasks_of(province_plan)[("D2", "2.2")]
    head = client_for(people.admin)
    response = head.post(
        f"/plans/tasks/{task.pk}/progress/",
        {"note": "Đã xây dựng dự thảo", "status": "in_progress", "file": pdf_upload()},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    item = task.progress.get()
    assert (task.status, item.status, item.original_name, item.content_type) == (
        "in_progress", "in_progress", "ket-qua.pdf", "application/pdf",
    )  # fmt: skip
    assert item.file.path.startswith(str(media)) and "ket-qua" not in item.file.name
    download = client_for(people.viewer).get(f"/plans/evidence/{item.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]

    head.post(f"/plans/tasks/{task.pk}/progress/", {"note": "Xong", "status": "done"})
    task.refresh_from_db()
    assert task.status == "done" and task.completed_on is not None
    history = [h.history_change_reason for h in task.history.order_by("history_id")]
    assert history == [services.REASON_TASK_CREATED] + [services.REASON_PROGRESS] * 2
    page = head.get(f"/plans/tasks/{task.pk}/")
    assert [h["status"] for h in page.context["history"]][:2] == ["Hoàn thành", "Đang thực hiện"]


def test_a_file_that_is_not_what_it_says_is_refused(province_plan, people, media):
    task = tasks_of(province_plan)[("D2", "2.2")]
    fake = pdf_upload("bao-cao.pdf", b"<html><script>alert(1)</script></html>")
    response = client_for(people.admin).post(
        f"/plans/tasks/{task.pk}/progress/", {"note": "x", "status": "done", "file": fake}
    )
    assert response.status_code == 400
    assert response.context["progress_form"].errors["file"]
    task.refresh_from_db()
    assert task.status == "not_started" and TaskProgress.objects.filter(task=task).count() == 0


def test_overdue_is_derived_from_the_deadline_not_stored(province_plan, people, on):
    tasks = tasks_of(province_plan)
    late = tasks[("D1", "2.1")]
    assert late.status == "in_progress" and late.display_status(on) == "overdue"
    assert late.display_status(late.deadline) == "in_progress"  # on the deadline itself
    services.update_task(
        late, people.admin, action=late.action, deadline=on + dt.timedelta(days=1),
        expected_points=0.5, owner=late.owner,
    )  # fmt: skip
    assert late.display_status(on) == "in_progress"
    done = tasks[("D1", "1.1")]
    assert done.display_status(on + dt.timedelta(days=400)) == "done"


def test_dashboards_and_the_status_contract(province_plan, campaigns, people, on):
    page = client_for(people.viewer).get(f"/plans/{province_plan.pk}/")
    board = page.context["board"]
    assert {k: board["total"][k] for k in ("tasks", "done", "in_progress", "not_started",
                                           "overdue")} == {
        "tasks": 4, "done": 1, "in_progress": 1, "not_started": 1, "overdue": 1,
    }  # fmt: skip
    assert board["total"]["completion"] == pytest.approx(0.25)
    by_unit = {r["owner_code"]: (r["tasks"], r["done"], r["overdue"]) for r in board["by_unit"]}
    assert by_unit == {"D1": (3, 1, 1), "D2": (1, 0, 0)}
    by_field = {r["field_code"]: (r["tasks"], r["done"]) for r in board["by_field"]}
    assert by_field == {"1": (2, 1), "2": (2, 0)}
    assert [t.node_code for t in board["overdue"]] == ["2.1"]

    assert services.plan_status(campaigns.c2024) == [
        {"unit_code": "D1", "unit_name": "Sở Nội vụ", "tasks": 3, "done": 1, "in_progress": 1,
         "not_started": 0, "overdue": 1, "completion": pytest.approx(1 / 3)},
        {"unit_code": "D2", "unit_name": "Sở Tư pháp", "tasks": 1, "done": 0, "in_progress": 0,
         "not_started": 1, "overdue": 0, "completion": 0.0},
    ]  # fmt: skip
    assert services.completion_by_unit(campaigns.c2024) == {
        "D1": pytest.approx(1 / 3), "D2": 0.0,
    }  # fmt: skip
    assert services.plan_status(campaigns.c2023) == []
    assert services.completion_by_unit(campaigns.c2023) == {}
    # the status page of the campaign shows the same figures
    status = client_for(people.viewer).get(f"/plans/campaigns/{campaigns.c2024.pk}/")
    assert status.status_code == 200
    assert [r["unit_code"] for r in status.context["rows"]] == ["D1", "D2"]


def test_filters_on_the_plan_page(province_plan, people):
    client = client_for(people.viewer)
    url = f"/plans/{province_plan.pk}/"
    assert [t.node_code for t in client.get(url + "?status=overdue").context["shown"]] == ["2.1"]
    owners = client.get(url + "?owner=D1").context["shown"]
    assert sorted((t.unit.code, t.node_code) for t in owners) == [
        ("D1", "1.1"), ("D1", "2.1"), ("D4", "1.1"),
    ]  # fmt: skip
    assert len(client.get(url + "?field=2").context["shown"]) == 2
    assert len(client.get(url + "?status=bogus").context["shown"]) == 4  # unknown: no filter


def test_recovered_at_the_next_campaign_vs_expected(province_plan, campaigns, people, units):
    # 2025 (finalised, previous = 2024) has results: each task compares 2024 with 2025
    page = client_for(people.viewer).get(f"/plans/{province_plan.pk}/")
    assert page.context["later"].pk == campaigns.c2025.pk and page.context["has_recovery"]
    rec = {(t.unit.code, t.node_code): t.recovery for t in page.context["tasks"]}
    # D1 1.1: 5 → 4.5, lost 0.5 more
    assert (rec[("D1", "1.1")]["points_then"], rec[("D1", "1.1")]["points_now"]) == (5, 4.5)
    assert rec[("D1", "1.1")]["recovered"] == pytest.approx(-0.5)
    assert rec[("D1", "1.1")]["outcome"] == "none"
    # D1 2.1: 5 → 6, +1 against 0.5 expected
    assert rec[("D1", "2.1")]["recovered"] == 1 and rec[("D1", "2.1")]["outcome"] == "met"
    assert rec[("D1", "2.1")]["recovered_share"] == 2.0
    # D2 2.2: 3 → 2; D4 1.1: 3 → 3
    assert rec[("D2", "2.2")]["outcome"] == "none" and rec[("D2", "2.2")]["recovered"] == -1
    assert rec[("D4", "1.1")]["outcome"] == "none" and rec[("D4", "1.1")]["recovered"] == 0
    html = page.content.decode()
    assert "5,00 → 4,50" in html and "-0,50" in html and "+1,00" in html


def test_partly_recovered_and_merged_units(campaigns, people, units, on):
    from test_results_support import VALUES

    plan = make_plan(campaigns.c2024, units.p, people.admin)
    (d3,) = add(plan, units.d3, people.admin, ("2.1", 1, on))  # 5 → 6: +1 of 1 → met
    (d4,) = add(plan, units.d4, people.admin, ("2.2", 3, on))  # 1 → 1: none
    (d6,) = add(plan, units.d6, people.admin, ("1.2", 1, on))  # merged into D5 in 2025
    later, rec = services.recovery_by_task([d3, d4, d6], campaigns.c2024)
    assert later.pk == campaigns.c2025.pk
    assert rec[d3.pk]["outcome"] == "met"
    assert rec[d6.pk]["outcome"] == "no_result" and VALUES[2024]["D6"][1] == 3
    # partly: 2023 → 2024 for D1 2.1 lost 0 → 1; plan from 2023 on D4 2.2 (2 → 1 in 2024)
    plan23 = make_plan(campaigns.c2023, units.p, people.admin)
    (d4_23,) = add(plan23, units.d4, people.admin, ("1.1", 2, on))  # 3 → 3 in 2024: none
    (d2_23,) = add(plan23, units.d2, people.admin, ("2.1", 1, on))  # 5 → 6: met
    (d3_23,) = add(plan23, units.d3, people.admin, ("1.2", 1, on))  # 3 → 4: met
    (d7_23,) = add(plan23, units.d7, people.admin, ("1.1", 3, on))  # 3 → 3: none
    (d6_23,) = add(plan23, units.d6, people.admin, ("1.1", 2, on))  # 4 → 5: +1 of 2, partly
    later, rec = services.recovery_by_task([d4_23, d2_23, d3_23, d7_23, d6_23], campaigns.c2023)
    assert later.pk == campaigns.c2024.pk
    assert [rec[t.pk]["outcome"] for t in (d4_23, d2_23, d3_23, d7_23, d6_23)] == [
        "none", "met", "met", "none", "partly",
    ]  # fmt: skip
    assert rec[d6_23.pk]["recovered_share"] == 0.5


def test_no_comparison_before_the_next_campaign_has_results(province_plan, campaigns, people):
    Campaign.objects.filter(pk=campaigns.c2025.pk).update(status=Campaign.Status.OPEN)
    page = client_for(people.viewer).get(f"/plans/{province_plan.pk}/")
    assert page.context["later"] is None and not page.context["has_recovery"]
    assert all(t.recovery is None for t in page.context["tasks"])


def test_a_unit_makes_its_own_plan(campaigns, people, units, on):
    client = client_for(people.head)  # unit_head of D1
    page = client.get(f"/plans/new/{campaigns.c2024.pk}/")
    assert [v for v, _l in page.context["form"].fields["target"].choices] == [str(units.d1.pk)]
    refused = client.post(
        f"/plans/new/{campaigns.c2024.pk}/", {"target": str(units.d2.pk), "title": "x"}
    )
    assert refused.status_code == 200 and refused.context["form"].errors["target"]
    response = client.post(
        f"/plans/new/{campaigns.c2024.pk}/", {"target": str(units.d1.pk), "title": "KH của Sở"}
    )
    plan = campaigns.c2024.remedial_plans.get()
    assert response.status_code == 302 and plan.level == "unit" and plan.unit == units.d1
    response = client.post(
        f"/plans/{plan.pk}/units/{units.d1.pk}/",
        {"select": ["2.1"], "action-2.1": "Công khai TTHC", "deadline-2.1": on.isoformat(),
         "expected-2.1": "1", "owner-2.1": str(units.d2.pk)},  # ignored: not an administrator
    )  # fmt: skip
    assert response.status_code == 302
    task = plan.tasks.get()
    assert task.owner == units.d1
    # a unit plan covers its own unit only
    assert client.get(f"/plans/{plan.pk}/units/{units.d2.pk}/").status_code == 404


def test_editing_and_deleting_a_task(province_plan, people, units, on):
    task = tasks_of(province_plan)[("D2", "2.2")]
    client = client_for(people.admin)
    response = client.post(
        f"/plans/tasks/{task.pk}/edit/",
        {"action": "Làm lại", "deadline": "2026-12-31", "expected_points": "5",
         "owner": str(units.d2.pk)},
    )  # fmt: skip
    assert response.status_code == 400  # 5 > the 1 point lost
    response = client.post(
        f"/plans/tasks/{task.pk}/edit/",
        {"action": "Làm lại", "deadline": "2026-12-31", "expected_points": "0.5",
         "owner": str(units.d1.pk)},
    )  # fmt: skip
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.action, task.owner, task.expected_points) == ("Làm lại", units.d1, 0.5)
    assert client.post(f"/plans/tasks/{task.pk}/delete/").status_code == 302
    assert not RemedialTask.objects.filter(pk=task.pk).exists()
    assert task.history.filter(history_type="-").exists()  # the deletion is audited
