"""Where things live: the one module that joins output paths."""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = PROJECT_ROOT / "notebooks"
OUTPUTS = PROJECT_ROOT / "outputs"
DATA = PROJECT_ROOT / "data"

REPORT_NOTEBOOK = "report.ipynb"
REPORT_HTML = "report.html"
WORKBOOK = "evaluation.xlsx"
SUMMARY = "summary.json"
RUN_LOG = "run.log"
CHARTS = "charts"


def project_path(p: str | Path) -> Path:
    """An absolute path; relative ones are taken from the project root, not the cwd."""
    p = Path(p).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p)


def run_dir(root: str | Path, year: int, name: str) -> Path:
    """``<root>/<year>/<plan id or unit>/``."""
    return project_path(root) / str(year) / name


def run_name(plan_id: str, notebook: str, lang: str, *, as_of: str | None = None,
             default_notebook: str = "yearly_plan_evaluation") -> str:
    """The folder name of one run: the plan id, then the data date, notebook and language when
    they are not the defaults (``baclieu_dot_2023``, ``mot_nq17_2019_asof_2019-07-31``,
    ``baclieu_dot_2023_year_over_year_en``): an early-warning run never replaces the
    year-end report."""
    name = plan_id
    if as_of:
        name += f"_asof_{as_of}"
    if notebook != default_notebook:
        name += f"_{notebook}"
    if lang != "vi":
        name += f"_{lang}"
    return name


def chart_path(out_dir: Path, chart_id: str) -> Path:
    return Path(out_dir) / CHARTS / f"{chart_id}.png"


def notebook_path(name: str) -> Path:
    name = name if name.endswith(".ipynb") else f"{name}.ipynb"
    return NOTEBOOKS / name
