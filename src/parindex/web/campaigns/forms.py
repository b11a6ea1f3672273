"""Forms of the campaign pages. Leaf values are read by `values.LeafSpec.parse` (their
widget depends on the leaf's rule), everything else by the forms below."""

from __future__ import annotations

import functools
import io
from pathlib import PurePath
from typing import Any

import pandas as pd
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parindex.errors import InputError
from parindex.framework import framework_from_excel, load_yaml_text
from parindex.framework.builtin import list_builtin, load_builtin
from parindex.web.campaigns.models import Campaign, WindowKind
from parindex.web.campaigns.uploads import max_bytes
from parindex.web.units.models import Unit, today

MAX_PROBLEMS_SHOWN = 50


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def problems_error(exc: InputError) -> ValidationError:
    """The core's problems, one message each (as the core words them)."""
    messages = [str(p) for p in exc.problems[:MAX_PROBLEMS_SHOWN]]
    if len(exc.problems) > MAX_PROBLEMS_SHOWN:
        messages.append(
            gettext("… and %(count)s more problems.")
            % {"count": len(exc.problems) - MAX_PROBLEMS_SHOWN}
        )
    return ValidationError(messages)


def _check_size(upload: Any) -> None:
    if upload.size > max_bytes():
        raise ValidationError(
            gettext("The file is larger than %(limit)s MB.")
            % {"limit": max_bytes() // (1024 * 1024)}
        )


@functools.lru_cache(maxsize=1)
def builtin_choices() -> list[tuple[str, str]]:
    out = []
    for item in list_builtin():
        label = f"{item['name']} — {item['id']} v{item['version']} ({item['unit_kind']})"
        out.append((item["id"], label))
    return out


class CampaignCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    year = forms.IntegerField(label=_("Year evaluated"), min_value=2000, max_value=2100)
    builtin = forms.ChoiceField(
        label=_("Built-in framework"),
        required=False,
        help_text=_("Either choose a framework shipped with parindex…"),
    )
    framework_file = forms.FileField(
        label=_("Framework file"),
        required=False,
        help_text=_("…or upload one: YAML (.yaml) or Excel (.xlsx) in the parindex format."),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.xlsx"}),
    )
    previous = forms.ModelChoiceField(
        label=_("Previous campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        help_text=_("Last year's campaign on the same kind of unit, for the change since then."),
    )

    def __init__(self, *args: Any, root: Unit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.root = root
        self.framework = None
        self.fields["builtin"].choices = [("", "—"), *builtin_choices()]
        self.fields["previous"].queryset = Campaign.objects.filter(root_unit=root).order_by("-year")
        self.fields["year"].initial = today().year

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        builtin, upload = data.get("builtin"), data.get("framework_file")
        if bool(builtin) == bool(upload):
            raise ValidationError(_("Choose a built-in framework or upload a file (one of them)."))
        try:
            if builtin:
                self.framework = load_builtin(builtin)
            else:
                _check_size(upload)
                name = PurePath(upload.name).name
                content = upload.read()
                if name.lower().endswith(".xlsx"):
                    self.framework = framework_from_excel(content, name)
                elif name.lower().endswith((".yaml", ".yml")):
                    try:
                        text = content.decode("utf-8-sig")
                    except UnicodeDecodeError:
                        raise ValidationError(_("The YAML file is not UTF-8 text.")) from None
                    self.framework = load_yaml_text(text, name)
                else:
                    raise ValidationError(_("Upload a .yaml or .xlsx file."))
        except InputError as exc:
            raise problems_error(exc) from None
        previous = data.get("previous")
        if previous is not None and previous.unit_kind != self.framework.unit_kind:
            self.add_error("previous", _("This campaign scored another kind of unit."))
        return data


class CampaignSettingsForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "previous"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["previous"].queryset = Campaign.objects.filter(
            root_unit=self.instance.root_unit, unit_kind=self.instance.unit_kind
        ).exclude(pk=self.instance.pk)


class WindowsForm(forms.Form):
    """Both dates of each step (inclusive); leave both empty for a step without window."""

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any):
        super().__init__(*args, **kwargs)
        existing = {w.kind: w for w in campaign.windows.all()}
        self.kinds = []
        for kind, label in WindowKind.choices:
            window = existing.get(kind)
            opens, closes = f"{kind}_opens", f"{kind}_closes"
            self.fields[opens] = forms.DateField(
                label=_("First day"),
                required=False,
                widget=DateInput(),
                initial=window.opens_on if window else None,
            )
            self.fields[closes] = forms.DateField(
                label=_("Last day"),
                required=False,
                widget=DateInput(),
                initial=window.closes_on if window else None,
            )
            self.kinds.append((kind, label, self[opens], self[closes]))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for kind, _label in WindowKind.choices:
            opens, closes = data.get(f"{kind}_opens"), data.get(f"{kind}_closes")
            if (opens is None) != (closes is None):
                self.add_error(f"{kind}_closes", _("Give both dates, or neither."))
            elif opens and closes and closes < opens:
                self.add_error(f"{kind}_closes", _("The last day cannot be before the first."))
        return data

    def dates(self) -> dict[str, tuple[Any, Any]]:
        return {
            kind: (self.cleaned_data.get(f"{kind}_opens"), self.cleaned_data.get(f"{kind}_closes"))
            for kind, _label in WindowKind.choices
        }


class ExceptionForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=_("Step"), choices=WindowKind.choices)
    until = forms.DateField(label=_("Until (inclusive)"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(assessments__campaign=campaign).order_by(
            "code"
        )


class TableUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8) or Excel (.xlsx) with the columns unit_code, criterion_code, value."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        _check_size(upload)
        content = upload.read()
        name = PurePath(upload.name).name
        try:
            if content.startswith(b"PK\x03\x04"):
                frame = pd.read_excel(
                    io.BytesIO(content), dtype=str, keep_default_na=False, engine="openpyxl"
                )
            else:
                frame = pd.read_csv(
                    io.StringIO(content.decode("utf-8-sig")),
                    dtype=str,
                    keep_default_na=False,
                    skipinitialspace=True,
                )
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text; save it as CSV UTF-8.")) from None
        except Exception:  # pandas/openpyxl raise many kinds for a broken file
            raise ValidationError(_("The file cannot be read as CSV or XLSX.")) from None
        frame.columns = [str(c).strip() for c in frame.columns]
        self.frame, self.source = frame, name
        return upload


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    until = forms.DateField(
        label=_("Self-assessment allowed until"),
        required=False,
        widget=DateInput(),
        help_text=_("Optional: an exception to the self-assessment window for this unit."),
    )


class CitationForm(forms.Form):
    doc_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    doc_date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    doc_issuer = forms.CharField(label=_("Issued by"), max_length=255, required=False)
    title = forms.CharField(label=_("Title or summary"), max_length=255, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("doc_number") and not data.get("title"):
            raise ValidationError(_("Give at least the document number or its title."))
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    title = forms.CharField(label=_("Title"), max_length=255, required=False)


class ExplanationRequestForm(forms.Form):
    message = forms.CharField(
        label=_("What should the unit explain?"), widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())


class AnswerForm(forms.Form):
    response_text = forms.CharField(
        label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 4})
    )
