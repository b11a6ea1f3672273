"""The boundary upload form: what the file is checked for before the core validates it."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.analysis.fmt import fmt_number
from parindex.web.maps.choropleth import lang
from parindex.web.maps.models import Level
from parindex.web.units.models import Unit

EXTENSIONS = (".geojson", ".json")
COUNTRY = "country"


class BoundaryUploadForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Units in the file"), choices=Level.choices, initial=Level.COMMUNE
    )
    scope = forms.ChoiceField(
        label=_("Under"),
        help_text=_("The province (or ministry) whose units the file holds."),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=255,
        help_text=_("For example: Communes and wards of the province, 2025."),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        required=False,
        help_text=_("Who produced the boundaries and when (agency, document, date)."),
    )
    code_property = forms.CharField(
        label=_("Property holding the unit code"),
        max_length=64,
        required=False,
        help_text=_("Leave empty to use the first of: code, ma, MaTinh, ma_xa."),
    )
    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_(
            "A FeatureCollection of Polygon or MultiPolygon features in longitude/latitude "
            "(WGS 84), at most %(mb)s MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def __init__(self, *args: Any, scopes: list[Unit | None], max_bytes: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.scopes = {COUNTRY if u is None else str(u.pk): u for u in scopes}
        self.fields["scope"].choices = [
            (COUNTRY if u is None else str(u.pk), _("The whole country") if u is None else u.name)
            for u in scopes
        ]
        self.max_bytes = max_bytes
        self.fields["file"].help_text = self.fields["file"].help_text % {
            "mb": f"{max_bytes / 1024 / 1024:g}"
        }

    def clean_scope(self) -> Unit | None:
        value = self.cleaned_data["scope"]
        if value not in self.scopes:
            raise forms.ValidationError(_("Choose a unit from the list."))
        return self.scopes[value]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in EXTENSIONS:
            raise forms.ValidationError(
                _("The file must be GeoJSON (.geojson or .json), not “%(name)s”.")
                % {"name": upload.name}
            )
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB; at most %(mb)s MB).")
                % {
                    "size": fmt_number(upload.size / 1024 / 1024, 1, lang()),
                    "mb": f"{self.max_bytes / 1024 / 1024:g}",
                }
            )
        upload.seek(0)
        head = upload.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
        upload.seek(0)
        if not head.startswith(b"{"):
            raise forms.ValidationError(
                _("The file does not contain a JSON object: it is not GeoJSON.")
            )
        return upload
