"""Surveys (SIPAS, sociological survey): instruments, sampling, weights, estimates.

Core package: takes DataFrames / bytes / dicts and returns the same; no file or network I/O
(the `parindex survey` commands do that). Modules:

- `instrument`: XLSForm instruments (load, validate with pyxform, the two built-ins)
- `build_instruments`: builds the packaged .xlsx from their YAML sources (developer script)
- `sampling`: multi-stage selection with inclusion probabilities and design weights,
  post-stratification and raking, sample sizes
- `estimate`: weighted estimates with Taylor-linearised SEs for stratified cluster designs,
  year-over-year change, expectations ranking
- `mapping`: instrument → elements / indices / framework leaves; `survey_inputs` for scoring
- `responses`: import of ODK Central / KoboToolbox exports, Excel entry templates
- `reports`: answer distributions, Excel export, SVG bar chart
"""

from parindex.survey.estimate import (
    ALL,
    OVERALL,
    Design,
    compare,
    estimate,
    expectations,
    parse_design,
    respondent_scores,
)
from parindex.survey.instrument import (
    BUILTIN_INSTRUMENTS,
    Instrument,
    builtin_instrument,
    load_instrument,
    validate_instrument,
)
from parindex.survey.mapping import SurveyMapping, builtin_mapping, load_mapping, survey_inputs
from parindex.survey.reports import answer_distribution, bar_chart_svg, estimates_to_excel
from parindex.survey.responses import entry_template, import_responses
from parindex.survey.sampling import calibrate, sample_size, select_sample, yamane_size

__all__ = [
    "ALL",
    "BUILTIN_INSTRUMENTS",
    "OVERALL",
    "Design",
    "Instrument",
    "SurveyMapping",
    "answer_distribution",
    "bar_chart_svg",
    "builtin_instrument",
    "builtin_mapping",
    "calibrate",
    "compare",
    "entry_template",
    "estimate",
    "estimates_to_excel",
    "expectations",
    "import_responses",
    "load_instrument",
    "load_mapping",
    "parse_design",
    "respondent_scores",
    "sample_size",
    "select_sample",
    "survey_inputs",
    "validate_instrument",
    "yamane_size",
]
