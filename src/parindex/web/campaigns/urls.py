"""URLs of the campaign pages (mounted at /campaigns/). The permission of each view is
in its docstring module: `views/admin.py`, `views/unit.py`, `views/appraisal.py`."""

from django.urls import path

from parindex.web.campaigns.views import admin, appraisal, unit

app_name = "campaigns"

urlpatterns = [
    # campaigns (on the root unit)
    path("", admin.campaign_list, name="list"),
    path("new/<int:unit_id>/", admin.campaign_create, name="create"),
    path("<int:campaign_id>/", admin.campaign_detail, name="detail"),
    path("<int:campaign_id>/settings/", admin.campaign_settings, name="settings"),
    path("<int:campaign_id>/scope/", admin.campaign_scope, name="scope"),
    path("<int:campaign_id>/windows/", admin.campaign_windows, name="windows"),
    path("<int:campaign_id>/exceptions/", admin.campaign_exceptions, name="exceptions"),
    path("<int:campaign_id>/survey/", admin.campaign_survey, name="survey"),
    path("<int:campaign_id>/open/", admin.campaign_open, name="open"),
    path("<int:campaign_id>/finalise/", admin.campaign_finalise, name="finalise"),
    path("<int:campaign_id>/recompute/", admin.campaign_recompute, name="recompute"),
    path("<int:campaign_id>/publish/", admin.campaign_publish, name="publish"),
    path("<int:campaign_id>/results/", admin.campaign_results, name="results"),
    path("<int:campaign_id>/framework.yaml", admin.campaign_framework, name="framework"),
    # one unit's assessment
    path("a/<int:assessment_id>/", unit.assessment_detail, name="assessment"),
    path("a/<int:assessment_id>/self/", unit.self_form, name="self_form"),
    path("a/<int:assessment_id>/self/<str:leaf_code>/", unit.self_save, name="self_save"),
    path(
        "a/<int:assessment_id>/self/<str:leaf_code>/evidence/",
        unit.evidence_add,
        name="evidence_add",
    ),
    path("a/<int:assessment_id>/check/", unit.check, name="check"),
    path("a/<int:assessment_id>/submit/", unit.submit, name="submit"),
    path("a/<int:assessment_id>/explanations/", unit.explanations, name="explanations"),
    path("x/<int:request_id>/answer/", unit.explanation_answer, name="explanation_answer"),
    path("x/<int:request_id>/evidence/", unit.explanation_evidence, name="explanation_evidence"),
    path("e/<int:evidence_id>/", unit.evidence_download, name="evidence_download"),
    path("e/<int:evidence_id>/delete/", unit.evidence_delete, name="evidence_delete"),
    # appraisal
    path("a/<int:assessment_id>/appraise/", appraisal.appraise, name="appraise"),
    path(
        "a/<int:assessment_id>/appraise/<str:leaf_code>/",
        appraisal.appraise_save,
        name="appraise_save",
    ),
    path(
        "a/<int:assessment_id>/appraise/<str:leaf_code>/explain/",
        appraisal.explain_request,
        name="explain_request",
    ),
    path("a/<int:assessment_id>/accept/", appraisal.accept_all, name="accept_all"),
    path("a/<int:assessment_id>/round2/", appraisal.round_2, name="round_2"),
    path("a/<int:assessment_id>/complete/", appraisal.complete, name="complete"),
    path("a/<int:assessment_id>/history/", appraisal.history, name="history"),
    path("a/<int:assessment_id>/reopen/", appraisal.reopen, name="reopen"),
]
