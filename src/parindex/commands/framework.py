"""`parindex framework ...`: check, convert and show scoring frameworks.

Every command loads (and so validates) the whole framework first; on any problem it prints
all of them to stderr, one per line, exits 1 and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from parindex.errors import InputError, Problem
from parindex.framework import Framework, Node, load_framework, save_framework
from parindex.framework.builtin import builtin_ids, list_builtin, load_builtin
from parindex.framework.validate import fmt

framework_app = typer.Typer(
    name="framework",
    help="Scoring frameworks: validate, convert between YAML and Excel, show.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(framework_app, name="framework")


def resolve_framework(value: str | Path) -> Framework:
    """A framework file, or the id of a framework shipped with parindex."""
    path = Path(value)
    if path.exists() or path.suffix.lower() in (".yaml", ".yml", ".xlsx"):
        return load_framework(path)
    known = builtin_ids()
    if str(value) in known:
        return load_builtin(str(value))
    raise InputError(
        [
            Problem(
                str(value), "", "", f"no such file, nor a built-in framework ({', '.join(known)})"
            )
        ]
    )


def _load(path: Path | str) -> Framework:
    try:
        return resolve_framework(path)
    except InputError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(exc.problems)} problem(s) in {Path(path).name}", err=True)
        raise typer.Exit(1) from None


def _check_suffix(path: Path, allowed: tuple[str, ...], what: str) -> None:
    if path.suffix.lower() not in allowed:
        typer.echo(f"{path.name}: {what} must end with {' or '.join(allowed)}", err=True)
        raise typer.Exit(1)


def _save(fw: Framework, out: Path) -> None:
    try:
        save_framework(fw, out)
    except OSError as exc:
        typer.echo(f"{out}: cannot write: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {out}: {summary(fw)}")


def summary(fw: Framework) -> str:
    """One line: what the framework is and how big."""
    nodes = list(fw.walk())
    leaves = sum(1 for node, _ in nodes if node.is_leaf)
    extra = ""
    for which, block in (("bonus", fw.bonus), ("penalty", fw.penalty)):
        if block is not None:
            extra += f", {which} cap {fmt(block.cap)}"
    return (
        f"OK {fw.id} version {fw.version} ({fw.unit_kind}): {len(fw.nodes)} fields, "
        f"{len(nodes)} nodes, {leaves} leaves, {fmt(fw.max_points)} points{extra}"
    )


@framework_app.command("validate")
def validate_command(
    path: str = typer.Argument(..., help="Framework file (.yaml, .yml or .xlsx) or built-in id."),
) -> None:
    """Check a framework; print a summary, or every problem found."""
    typer.echo(summary(_load(path)))


@framework_app.command("import")
def import_command(
    source: Path = typer.Argument(..., help="Framework workbook (.xlsx)."),
    out: Path = typer.Option(..., "--out", "-o", help="YAML file to write."),
) -> None:
    """Convert an Excel framework to YAML (after validating it)."""
    _check_suffix(source, (".xlsx",), "the input")
    _check_suffix(out, (".yaml", ".yml"), "--out")
    _save(_load(source), out)


@framework_app.command("export")
def export_command(
    source: str = typer.Argument(..., help="Framework file (.yaml or .yml) or built-in id."),
    out: Path = typer.Option(..., "--out", "-o", help="Excel workbook to write (.xlsx)."),
) -> None:
    """Convert a YAML framework to an Excel workbook (after validating it)."""
    if source not in builtin_ids():
        _check_suffix(Path(source), (".yaml", ".yml"), "the input")
    _check_suffix(out, (".xlsx",), "--out")
    _save(_load(source), out)


def _label(node: Node) -> str:
    rule = f" [dim]{node.rule_type}[/dim]" if node.rule_type else ""
    code, name = escape(node.code), escape(node.name)
    return f"[bold]{code}[/bold] {name} — {fmt(node.max_points)}{rule}"


def _add(tree: Tree, node: Node) -> None:
    branch = tree.add(_label(node))
    for child in node.children:
        _add(branch, child)


@framework_app.command("show")
def show_command(
    path: str = typer.Argument(..., help="Framework file (.yaml, .yml or .xlsx) or built-in id."),
) -> None:
    """Print the framework as a tree: code, name, max points, rule type."""
    fw = _load(path)
    title = f"{escape(fw.name)}[/bold] ({escape(fw.id)} {escape(fw.version)})"
    tree = Tree(f"[bold]{title} — {fmt(fw.max_points)}")
    for node in fw.nodes:
        _add(tree, node)
    for which, block in (("bonus", fw.bonus), ("penalty", fw.penalty)):
        if block is not None:
            branch = tree.add(f"[bold]{escape(block.name or which)}[/bold] (cap {fmt(block.cap)})")
            for node in block.nodes:
                _add(branch, node)
    Console(soft_wrap=True).print(tree)


@framework_app.command("list")
def list_command() -> None:
    """List the frameworks shipped with parindex (usable by id wherever a file is asked)."""
    for info in list_builtin():
        mark = "  [example]" if info["example"] else ""
        typer.echo(f"{info['id']}  ({info['unit_kind']}, {info['version']}){mark}  {info['name']}")
