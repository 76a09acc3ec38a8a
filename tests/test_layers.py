"""Layers without upward imports (checked on the source, lazy imports inside functions too).

bottom:  text, periods, canonical, registry, errors, paths, safe_yaml, settings, formats, notes
then:    units  ->  ingest  ->  indicators, workspace, history  ->  plans, quality  ->  pipeline  ->  report  ->  runner
         (with direct, its notebooks run in process)  ->  cli   (pipeline: read -> compute -> evaluate -> review;
         report: renders what it built)
A module may import its own layer and the layers below it, never one above.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dx_metrics"
LAYER = {"text": 0, "periods": 0, "canonical": 0, "formats": 0, "notes": 0, "registry": 0, "errors": 0, "paths": 0,
         "safe_yaml": 0, "settings": 0, "reference": 0,
         "history": 3, "messages": 3, "context": 3,
         "units": 1, "ingest": 2, "workspace": 3, "indicators": 3, "plans": 4, "quality": 4, "pipeline": 5, "report": 6,
         "runner": 7, "direct": 7, "cli": 8}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYER.get(parts[1]) if len(parts) > 1 and parts[0] == "dx_metrics" else None


def _imports(path: Path, source: str | None = None) -> set[str]:
    """Every module ``path`` imports, by its full name: ``from dx_metrics import runner`` is
    dx_metrics.runner, ``from ..units import x`` the package's units (a name that is not a
    module, e.g. ``from dx_metrics import read_export``, stays the package itself)."""
    rel = path.relative_to(PACKAGE).with_suffix("")
    package = ["dx_metrics", *rel.parts[:-1]]          # the package this file is in
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8") if source is None else source)):
        if isinstance(node, ast.ImportFrom):
            base = (package[:len(package) - node.level + 1] if node.level else [])
            module = ".".join([*base, *([node.module] if node.module else [])])
            out.add(module)
            out.update(f"{module}.{a.name}" for a in node.names if _is_module(f"{module}.{a.name}"))
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def _is_module(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != "dx_metrics":
        return False
    where = PACKAGE.joinpath(*parts[1:])
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "workspace_template" not in p.parts)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_layer_above_its_own(path):
    rel = path.relative_to(PACKAGE).with_suffix("")
    me = "dx_metrics." + ".".join(rel.parts)
    mine = _layer(me if rel.parts[0] != "__init__" else "dx_metrics.cli")
    if rel.parts == ("__init__",):
        return                     # the package's front door re-exports from every layer
    if rel.parts[-1] == "__init__" and len(rel.parts) > 1:
        mine = LAYER.get(rel.parts[0])
    upward = sorted(m for m in _imports(path) if (_layer(m) or 0) > (mine or 0))
    assert not upward, f"{me} (layer {mine}) imports {upward}"


def test_the_view_does_not_import_the_file_writer():
    assert "dx_metrics.report.outputs" not in _imports(PACKAGE / "report" / "view.py")


def test_every_module_has_a_layer():
    tops = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in SOURCES} - {"__init__"}
    assert tops <= set(LAYER), f"place {sorted(tops - set(LAYER))} in LAYER"


def test_the_check_sees_every_way_of_writing_an_import():
    """An upward import written as ``from dx_metrics import runner`` or relatively is seen."""
    probe = PACKAGE / "ingest" / "probe.py"        # never written: its source is given
    cases = {"from dx_metrics import runner\n": "dx_metrics.runner",
             "from .. import report\n": "dx_metrics.report",
             "from ..plans.model import load_plan\n": "dx_metrics.plans.model",
             "from . import header\n": "dx_metrics.ingest.header"}
    for code, module in cases.items():
        assert module in _imports(probe, code), code
    assert "dx_metrics.read_export" not in _imports(probe, "from dx_metrics import read_export\n")


# the steps of the pipeline (dx_metrics.pipeline), by the names a module would import to run them
STEPS = {"read_export", "parse_export", "read_records", "guess_kind", "compute_indicators", "evaluate", "review",
         "build_plan_report", "previous_report", "check_exports", "review_files", "load_plan"}


def _imported_names(path: Path) -> set[str]:
    return {a.asname or a.name for node in ast.walk(ast.parse(path.read_text("utf-8")))
            if isinstance(node, ast.ImportFrom) for a in node.names}


@pytest.mark.parametrize("path", sorted((PACKAGE / "report").glob("*.py")), ids=lambda p: p.name)
def test_the_report_layer_renders_what_the_pipeline_built(path):
    """read -> compute -> evaluate -> review runs in dx_metrics.pipeline, once; a report module
    that ran a step of it again would be a second pipeline."""
    assert not _imported_names(path) & STEPS, f"report/{path.name} runs {sorted(_imported_names(path) & STEPS)}"

