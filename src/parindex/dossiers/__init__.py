"""One-stop-shop dossiers, the working-day calendar and the service index (Decision 766)."""

from parindex.dossiers.calendar import (
    CalendarException,
    CalendarRangeError,
    SpecialDay,
    WorkCalendar,
    format_due_vi,
    merge_exceptions,
    parse_exceptions_csv,
)
from parindex.dossiers.catalogue import (
    CatalogueGroup,
    CatalogueMetric,
    ServiceCatalogue,
    catalogue_from_dict,
    catalogue_from_yaml,
    load_default_catalogue,
    load_default_exceptions,
)
from parindex.dossiers.service_index import (
    metric_score,
    score_counts,
    summary_table,
    validate_counts,
)

__all__ = [
    "CalendarException",
    "CalendarRangeError",
    "CatalogueGroup",
    "CatalogueMetric",
    "ServiceCatalogue",
    "SpecialDay",
    "WorkCalendar",
    "catalogue_from_dict",
    "catalogue_from_yaml",
    "format_due_vi",
    "load_default_catalogue",
    "load_default_exceptions",
    "merge_exceptions",
    "metric_score",
    "parse_exceptions_csv",
    "score_counts",
    "summary_table",
    "validate_counts",
]
