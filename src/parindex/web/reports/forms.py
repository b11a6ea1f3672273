"""Forms of the report pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.web.campaigns.uploads import ACCEPT
from parindex.web.reports import periods as P
from parindex.web.reports.models import REPORT_SLOT, ReportPeriod, ReportType, Status
from parindex.web.units.models import today


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AttachmentsField(forms.CharField):
    """Attachment names, one per line, stored as a list."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(v) for v in value]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class ReportTypeForm(forms.ModelForm):
    attachments = AttachmentsField(
        label=_("Required attachments"),
        required=False,
        help_text=_(
            "One name per line, e.g. “Appendix: statistics”. Leave empty if only the report itself is needed."
        ),
    )
    template_file = forms.FileField(
        label=_("Template"),
        required=False,
        help_text=_("The form units fill in (PDF, DOCX, XLSX); checked by its content."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    year = forms.IntegerField(
        label=_("Generate the periods of"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=_("Year whose periods and deadlines are created now (more can be added later)."),
    )

    class Meta:
        model = ReportType
        fields = [
            "name",
            "description",
            "unit_kind",
            "period_kind",
            "due_day",
            "due_months_after",
            "attachments",
            "active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["due_day"].widget.attrs.update(min=1, max=31)
        self.fields["due_months_after"].widget.attrs.update(min=0, max=12)
        if self.instance.pk is None:
            self.fields["year"].initial = today().year
        else:
            del self.fields["year"]

    def clean_due_day(self) -> int:
        day = self.cleaned_data["due_day"]
        if not 1 <= day <= 31:
            raise forms.ValidationError(_("Give a day between 1 and 31."))
        return day

    def clean_due_months_after(self) -> int:
        months = self.cleaned_data["due_months_after"]
        if months > 12:
            raise forms.ValidationError(_("At most 12 months."))
        return months


class GenerateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class DeadlinesForm(forms.Form):
    """One date field per period of a year."""

    def __init__(self, periods: list[ReportPeriod], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.periods = periods
        for period in periods:
            self.fields[f"due_{period.pk}"] = forms.DateField(
                label=period.label, initial=period.due_on, widget=DateInput()
            )

    def rows(self) -> list[tuple[ReportPeriod, Any]]:
        return [(p, self[f"due_{p.pk}"]) for p in self.periods]

    def dates(self) -> dict[int, Any]:
        return {p.pk: self.cleaned_data[f"due_{p.pk}"] for p in self.periods}


def slot_field_name(index: int) -> str:
    return f"file_{index}"


def uploads_from(request_files: Any, report_type: ReportType) -> dict[str, Any]:
    """slot → uploaded file, from the inputs named file_0 (the report), file_1, …"""
    out = {}
    for index, slot in enumerate(report_type.slots):
        upload = request_files.get(slot_field_name(index))
        if upload:
            out[slot] = upload
    return out


def slot_inputs(report_type: ReportType) -> list[tuple[str, str, bool]]:
    """(input name, label, is the report itself) for the upload form."""
    return [
        (slot_field_name(i), slot or str(_("Report")), slot == REPORT_SLOT)
        for i, slot in enumerate(report_type.slots)
    ]


class MatrixFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    report_type = forms.TypedChoiceField(
        label=_("Report"), coerce=int, required=False, empty_value=None
    )
    status = forms.ChoiceField(label=_("Units with a report"), required=False)
    q = forms.CharField(label=_("Unit name or code"), required=False, max_length=100)

    def __init__(self, *args: Any, years: list[int], types: list[ReportType], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["report_type"].choices = [("", _("All reports"))] + [
            (t.pk, t.name) for t in types
        ]
        self.fields["status"].choices = [("", _("Any status"))] + [
            (s, label)
            for s, label in Status.choices
            if s in (P.ON_TIME, P.LATE, P.MISSING, P.PENDING)
        ]


class FeedForm(forms.Form):
    leaf = forms.ChoiceField(label=_("Criterion"))
    types = forms.TypedMultipleChoiceField(
        label=_("Reports that count"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every report type for this kind of unit."),
    )

    def __init__(self, *args: Any, leaves: list, types: list[ReportType], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["leaf"].choices = [
            (leaf.code, f"{leaf.code} {leaf.name} ({leaf.rule_type})") for leaf in leaves
        ]
        self.fields["types"].choices = [(t.pk, t.name) for t in types]
