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
from parindex.dossiers.compute import (
    Period,
    compute_metrics,
    framework_inputs_from_metrics,
)
from parindex.dossiers.ingest import validate_records
from parindex.dossiers.lifecycle import (
    Channel,
    Dossier,
    DossierRuleError,
    DossierStatus,
    Event,
    OneStopRules,
    RescheduleError,
    apology_letter_html,
    apply_event,
    dossier_code,
    parse_dossier_code,
    reschedule,
)
from parindex.dossiers.overdue import flag_overdue, overdue_summary
from parindex.dossiers.procedures import Procedure, ProcedureCatalogue, procedures_from_frame
from parindex.dossiers.service_index import (
    metric_score,
    score_counts,
    summary_table,
    validate_counts,
)
from parindex.dossiers.store import ParquetStore

__all__ = [
    "CalendarException",
    "Channel",
    "Dossier",
    "DossierRuleError",
    "DossierStatus",
    "Event",
    "OneStopRules",
    "ParquetStore",
    "Period",
    "Procedure",
    "ProcedureCatalogue",
    "RescheduleError",
    "apology_letter_html",
    "apply_event",
    "compute_metrics",
    "dossier_code",
    "flag_overdue",
    "framework_inputs_from_metrics",
    "overdue_summary",
    "parse_dossier_code",
    "procedures_from_frame",
    "reschedule",
    "validate_records",
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
