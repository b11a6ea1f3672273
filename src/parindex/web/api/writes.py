"""Saving self-assessment values through the API with the pages' own rules.

The self-assessment page posts one leaf's widget (`LeafSpec.parse` reads it: labels,
ranges, steps, whole counts, numbers) and then calls `services.save_self_value` (survey
leaves refused, the core's checks, campaign status, submission lock, window and
exceptions, history). This module is a thin adapter doing exactly that for JSON: it turns
an API value into the fields the page's widget posts, calls the same two functions, and
sorts their answers into per-leaf errors (400) and refusals (403). No rule is repeated
here; the only checks of its own are about the shape of the request (inputs sent to a
leaf that takes a value, unknown input names, a leaf twice in one batch), which a page
cannot send.

Values are given as they are stored and as the scoring inputs table has them
(docs/ARCHITECTURE.md): points (manual), the option label (options), the ratio 0–1
(bands, linear — the page shows a percentage, so its range messages speak of percent),
a count (deduction), and for formula leaves one number per declared input. A batch is
all or nothing: every leaf is checked, and nothing is saved unless every leaf is right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parindex.web.api.access import ApiError
from parindex.web.campaigns import services
from parindex.web.campaigns.models import Assessment, LeafValue
from parindex.web.campaigns.values import LeafSpec, decimal_text, number_text, parse_decimal

PERCENT_RULES = ("bands", "linear")


@dataclass
class LeafInput:
    """One leaf's self-assessment as the API receives it."""

    leaf_code: str
    value: Any = None
    inputs: Mapping[str, Any] | None = None
    not_applicable: bool = False
    explanation: str = ""


class _Rejected(Exception):
    def __init__(self, errors: list[dict[str, str]]):
        super().__init__(len(errors))
        self.errors = errors


def _text(value: Any) -> str:
    """A JSON value as the text a form field would carry (numbers as plain decimals)."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value).lower()
    return number_text(value)


def _percent_text(value: Any) -> str:
    """A ratio as the percentage the page's widget posts (0.955 → "95.5")."""
    text = _text(value)
    try:
        number = parse_decimal(text)
    except ValueError:
        return text  # the page's parser names it: "… is not a number"
    return "" if number is None else decimal_text(number * 100)


def form_data(spec: LeafSpec, item: LeafInput) -> dict[str, str]:
    """The POST fields the self-assessment page would send for this value."""
    if spec.rule_type == "formula":
        inputs = item.inputs or {}
        return {f"input__{name}": _text(inputs.get(name)) for name in spec.input_names}
    if spec.rule_type in PERCENT_RULES:
        return {"value_pct": _percent_text(item.value)}
    return {"value": _text(item.value)}


def _error(leaf_code: str, field_name: str, message: Any) -> dict[str, str]:
    return {"leaf_code": leaf_code, "field": field_name, "message": str(message)}


def _shape_errors(spec: LeafSpec, item: LeafInput) -> list[dict[str, str]]:
    code = spec.code
    if spec.rule_type == "formula":
        errors = []
        if _text(item.value):
            errors.append(_error(code, "value", _("This criterion takes inputs, not a value.")))
        for name in item.inputs or {}:
            if name not in spec.input_names:
                errors.append(
                    _error(
                        code,
                        f"inputs.{name}",
                        _("Unknown input %(name)s; the inputs are: %(names)s.")
                        % {"name": name, "names": ", ".join(spec.input_names)},
                    )
                )
        return errors
    if item.inputs:
        return [_error(code, "inputs", _("This criterion takes a value, not inputs."))]
    return []


def _value_field(spec: LeafSpec) -> str:
    return "inputs" if spec.rule_type == "formula" else "value"


def save_self_values(
    assessment: Assessment, items: Sequence[LeafInput], user: Any
) -> list[LeafValue]:
    """Save leaves of the self-assessment, all or nothing.

    Raises ApiError: 403 when the unit may not change its self-assessment now (campaign
    not open, submitted, window closed without an exception), 400 with every problem of
    every leaf otherwise. The caller has checked `parindex.edit_self_assessment`.
    """
    refusal = services.self_edit_refusal(assessment)
    if refusal:
        raise ApiError(403, refusal)
    by_code = assessment.campaign.spec().by_code
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    saved: list[LeafValue] = []
    try:
        with transaction.atomic():
            for item in items:
                spec = by_code.get(item.leaf_code)
                if spec is None:
                    errors.append(
                        _error(item.leaf_code, "leaf_code",
                               _("Unknown criterion %(code)s.") % {"code": item.leaf_code})
                    )  # fmt: skip
                    continue
                if item.leaf_code in seen:
                    errors.append(
                        _error(item.leaf_code, "leaf_code", _("This criterion is given twice."))
                    )
                    continue
                seen.add(item.leaf_code)
                shape = _shape_errors(spec, item)
                # exactly as the page: the widget's parser, whose problems do not count
                # when the leaf is declared not applicable ...
                parsed = spec.parse(form_data(spec, item))
                problems = [] if item.not_applicable else list(parsed.errors)
                if shape or problems:
                    errors += shape
                    errors += [_error(spec.code, _value_field(spec), p) for p in problems]
                    continue
                # ... then the service, which checks everything else.
                try:
                    saved.append(
                        services.save_self_value(
                            assessment,
                            spec.code,
                            value=parsed.value,
                            inputs=parsed.inputs,
                            not_applicable=bool(item.not_applicable),
                            explanation=item.explanation or "",
                            user=user,
                        )
                    )
                except services.WorkflowError as exc:
                    refusal = services.self_edit_refusal(assessment)
                    if refusal:  # closed or submitted meanwhile
                        raise ApiError(403, refusal) from None
                    if exc.problems:
                        errors += [_error(spec.code, _value_field(spec), p) for p in exc.problems]
                    else:  # e.g. a survey criterion
                        errors.append(_error(spec.code, "leaf_code", exc.message))
            if errors:
                raise _Rejected(errors)
    except _Rejected as rejected:
        raise ApiError(400, _("Nothing was saved."), rejected.errors) from None
    return saved
