"""Forms of the remedial plan pages. Tasks chosen from the lost points are read from the
proposal table by `views.propose` (one row per criterion), the rest by the forms below."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.web.campaigns.forms import DateInput
from parindex.web.campaigns.uploads import ACCEPT
from parindex.web.remedial.models import RemedialPlan, TaskStatus


class PlanForm(forms.ModelForm):
    class Meta:
        model = RemedialPlan
        fields = ["number", "issued_on", "title", "issuer", "summary"]
        widgets = {
            "issued_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "number": _("As on the document, e.g. 130/KH-UBND."),
            "issuer": _("e.g. Ủy ban nhân dân tỉnh."),
        }


class PlanCreateForm(PlanForm):
    target = forms.ChoiceField(
        label=_("Plan of"),
        help_text=_(
            "The province (a plan grouping tasks across its units) or one unit of the campaign."
        ),
    )

    class Meta(PlanForm.Meta):
        fields = ["target", *PlanForm.Meta.fields]

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = choices
        self.order_fields(["target", *PlanForm.Meta.fields])


class TaskForm(forms.Form):
    action = forms.CharField(label=_("Task"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    expected_points = forms.FloatField(label=_("Points expected to recover"), min_value=0)
    owner = forms.ChoiceField(label=_("Owner unit"))

    def __init__(self, *args, owners: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners


class ProgressForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
    file = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("PDF, DOCX, XLSX, PNG or JPEG."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
