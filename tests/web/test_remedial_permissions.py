"""Who sees and changes remedial plans: province administrators everything of their scope;
a unit's reporter or head its own tasks, and the progress of tasks it owns; viewers read;
out of scope 403; unknown 404; not signed in → sign-in page."""

# ruff: noqa: F401, F811 (pytest fixtures imported from the support modules)

from __future__ import annotations

import pytest
from test_remedial_support import (
    campaigns,
    client_for,
    make_plan,
    media,
    on,
    pdf_upload,
    people,
    province_plan,
    tasks_of,
    units,
)

from parindex.web.remedial import services

pytestmark = pytest.mark.django_db


def progress(client, task, status="in_progress"):
    return client.post(f"/plans/tasks/{task.pk}/progress/", {"note": "n", "status": status})


def test_anonymous_goes_to_sign_in(province_plan):
    response = client_for().get(f"/plans/{province_plan.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_plan_task_and_file_are_404(people, db):
    client = client_for(people.admin)
    assert client.get("/plans/999/").status_code == 404
    assert client.get("/plans/tasks/999/").status_code == 404
    assert client.get("/plans/evidence/999/").status_code == 404
    assert client.get("/plans/new/999/").status_code == 404


def test_province_roles_see_everything_viewers_only_read(province_plan, people):
    tasks = tasks_of(province_plan)
    for user in (people.admin, people.viewer, people.appraiser, people.sysadmin):
        page = client_for(user).get(f"/plans/{province_plan.pk}/")
        assert page.status_code == 200 and len(page.context["tasks"]) == 4
        assert not page.context["restricted"]
    viewer = client_for(people.viewer)
    assert viewer.get(f"/plans/{province_plan.pk}/").context["can_manage"] is False
    assert viewer.get(f"/plans/{province_plan.pk}/edit/").status_code == 403
    assert (
        viewer.get(f"/plans/{province_plan.pk}/units/{tasks[('D1', '1.1')].unit_id}/").status_code
        == 403
    )
    assert progress(viewer, tasks[("D2", "2.2")]).status_code == 403
    assert viewer.post(f"/plans/tasks/{tasks[('D2', '2.2')].pk}/delete/").status_code == 403
    assert viewer.get(f"/plans/new/{province_plan.campaign_id}/").status_code == 403
    admin = client_for(people.admin)
    assert admin.get(f"/plans/{province_plan.pk}/edit/").status_code == 200
    assert progress(admin, tasks[("D2", "2.2")]).status_code == 302


def test_a_unit_sees_its_own_tasks_and_updates_those_it_owns(province_plan, people, units):
    tasks = tasks_of(province_plan)
    reporter = client_for(people.reporter)  # reporter of D1
    page = reporter.get(f"/plans/{province_plan.pk}/")
    assert page.status_code == 200 and page.context["restricted"]
    # D1's own tasks, and D4's task owned by D1; not D2's
    assert sorted((t.unit.code, t.node_code) for t in page.context["tasks"]) == [
        ("D1", "1.1"), ("D1", "2.1"), ("D4", "1.1"),
    ]  # fmt: skip
    assert page.context["board"]["total"]["tasks"] == 3
    assert reporter.get(f"/plans/tasks/{tasks[('D2', '2.2')].pk}/").status_code == 403
    assert progress(reporter, tasks[("D2", "2.2")]).status_code == 403
    assert progress(reporter, tasks[("D4", "1.1")], "done").status_code == 302  # owned by D1
    assert progress(reporter, tasks[("D1", "2.1")]).status_code == 302
    # but it may not change the province's plan or its tasks
    assert reporter.get(f"/plans/{province_plan.pk}/edit/").status_code == 403
    assert reporter.get(f"/plans/{province_plan.pk}/units/{units.d1.pk}/").status_code == 403
    task = tasks[("D1", "2.1")]
    assert reporter.post(f"/plans/tasks/{task.pk}/edit/", {}).status_code == 403
    assert reporter.post(f"/plans/tasks/{task.pk}/delete/").status_code == 403
    d2_viewer = client_for(people.viewer_d2).get(f"/plans/{province_plan.pk}/")
    assert [t.unit.code for t in d2_viewer.context["tasks"]] == ["D2"]
    assert progress(client_for(people.viewer_d2), tasks[("D2", "2.2")]).status_code == 403


def test_out_of_scope_is_403(province_plan, people, media):
    task = tasks_of(province_plan)[("D1", "1.1")]
    item = services.add_progress(
        task, people.admin, note="Có tài liệu", status="done", upload=pdf_upload()
    )
    for user in (people.admin_q, people.nobody):
        client = client_for(user)
        assert client.get(f"/plans/{province_plan.pk}/").status_code == 403
        assert client.get(f"/plans/{province_plan.pk}/plan.xlsx").status_code == 403
        assert client.get(f"/plans/tasks/{task.pk}/").status_code == 403
        assert client.get(f"/plans/evidence/{item.pk}/").status_code == 403
        assert progress(client, task).status_code == 403
        assert client.get(f"/plans/campaigns/{province_plan.campaign_id}/").status_code == 403
        index = client.get("/plans/")
        assert index.status_code == 200 and index.context["plans"] == []
    assert client_for(people.viewer_d2).get(f"/plans/evidence/{item.pk}/").status_code == 403
    assert client_for(people.reporter).get(f"/plans/evidence/{item.pk}/").status_code == 200


def test_the_plan_list_shows_what_each_one_may_see(province_plan, campaigns, people, units):
    own = make_plan(campaigns.c2024, units.d2, people.admin, title="KH Sở Tư pháp")
    listed = {p.pk for p in client_for(people.viewer).get("/plans/").context["plans"]}
    assert listed == {province_plan.pk, own.pk}
    listed = {p.pk for p in client_for(people.reporter).get("/plans/").context["plans"]}
    assert listed == {province_plan.pk}  # D1 has tasks in the province plan, none in D2's
    creatable = client_for(people.reporter).get("/plans/").context["creatable"]
    assert {c["campaign"].year: c["province"] for c in creatable} == {
        2023: False, 2024: False, 2025: False,
    }  # fmt: skip
    assert client_for(people.reporter).get(f"/plans/{own.pk}/").status_code == 403


def test_a_unit_manages_its_own_plan_only(campaigns, people, units, on):
    own = make_plan(campaigns.c2024, units.d1, people.head, title="KH của Sở Nội vụ")
    other = make_plan(campaigns.c2024, units.d2, people.admin, title="KH của Sở Tư pháp")
    head = client_for(people.head)
    assert head.get(f"/plans/{own.pk}/edit/").status_code == 200
    assert head.get(f"/plans/{own.pk}/units/{units.d1.pk}/").status_code == 200
    assert head.get(f"/plans/{other.pk}/edit/").status_code == 403
    assert head.get(f"/plans/{other.pk}/").status_code == 403
    admin = client_for(people.admin)  # the province administrator manages both
    assert admin.get(f"/plans/{own.pk}/units/{units.d1.pk}/").status_code == 200
    assert admin.get(f"/plans/{other.pk}/edit/").status_code == 200


def test_no_plan_from_a_campaign_without_results(campaigns, people, units):
    from parindex.web.campaigns.models import Campaign

    Campaign.objects.filter(pk=campaigns.c2025.pk).update(status=Campaign.Status.OPEN)
    assert client_for(people.admin).get(f"/plans/new/{campaigns.c2025.pk}/").status_code == 404
    with pytest.raises(services.RemedialError):
        services.create_plan(
            campaign=Campaign.objects.get(pk=campaigns.c2025.pk), unit=units.p, user=people.admin,
            title="x",
        )  # fmt: skip


def test_links_from_the_menu_and_the_campaign_page(campaigns, people):
    html = client_for(people.admin).get(f"/campaigns/{campaigns.c2024.pk}/").content.decode()
    assert f'href="/plans/campaigns/{campaigns.c2024.pk}/"' in html
    assert f'href="/heads/{campaigns.c2024.pk}/"' in html
    home = client_for(people.reporter).get("/").content.decode()
    assert 'href="/plans/"' in home and 'href="/heads/"' in home
    assert 'href="/plans/"' not in client_for(people.nobody).get("/").content.decode()
