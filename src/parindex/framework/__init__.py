"""Scoring frameworks as data: model, YAML/Excel load and save, validation, formulas."""

from parindex.framework.excel import framework_from_excel, framework_to_excel_bytes
from parindex.framework.expr import Expr, ExprError, compile_expr
from parindex.framework.io import (
    dump_yaml,
    framework_from_dict,
    framework_to_dict,
    load_framework,
    load_yaml_text,
    save_framework,
)
from parindex.framework.model import Band, Block, Framework, Node
from parindex.framework.validate import validate

__all__ = [
    "Band",
    "Block",
    "Expr",
    "ExprError",
    "Framework",
    "Node",
    "compile_expr",
    "dump_yaml",
    "framework_from_dict",
    "framework_from_excel",
    "framework_to_dict",
    "framework_to_excel_bytes",
    "load_framework",
    "load_yaml_text",
    "save_framework",
    "validate",
]
