"""Where things live: the one module that joins output paths.

Every name that becomes part of an output path (a plan id, a notebook, a language, an
``as_of`` date, a chart id) comes from a file a user wrote, so it is data, not trust: it
must match ``NAME`` (letters, digits, ``_``, ``-`` and ``.``, not leading), and the joined
path must stay inside the output root. Anything else is a ``ValueError`` naming the key.
"""
from __future__ import annotations

import re
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"     # package data: works installed anywhere

REPORT_NOTEBOOK = "report.ipynb"
REPORT_HTML = "report.html"
WORKBOOK = "evaluation.xlsx"
SUMMARY = "summary.json"
DOCUMENT = "report.docx"
RUN_LOG = "run.log"
CHARTS = "charts"
RUN_MARKER = ".dx-metrics-run"   # in every run folder: only such folders are ever replaced
FAILED = ".failed"               # a failed run's folder: ``<run folder>.failed`` beside the last good one
INDEX_HTML = "index.html"        # at the output root: one page for every report under it
INDEX_STATE = ".index.json"      # beside it: what the page showed, for "what changed since the last run"

NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def safe_name(value: object, key: str) -> str:
    """``value`` if it can name a file or folder on any system, else a ``ValueError`` naming ``key``."""
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise ValueError(f"{key} {value!r} cannot name an output folder or file: use letters, digits, '_', '-' "
                         f"and '.' (not first), at most 100 characters")
    return value


def inside(root: Path, path: Path, key: str) -> Path:
    """``path`` if it resolves inside ``root``; else a ``ValueError`` naming ``key``."""
    root, resolved = root.resolve(), path.resolve()
    if resolved == root or not resolved.is_relative_to(root):
        raise ValueError(f"{key} would write outside the output folder {root} ({resolved})")
    return path


def from_here(p: str | Path, *, base: str | Path | None = None) -> Path:
    """An absolute path: relative ones start in the current folder, or at ``base`` (a
    workspace root) when they do not exist here."""
    p = Path(p).expanduser()
    if p.is_absolute():
        return p
    here = Path.cwd() / p
    if base is None or here.exists():
        return here.resolve() if here.exists() else here
    return Path(base) / p


def run_dir(root: str | Path, year: int, name: str) -> Path:
    """``<root>/<year>/<plan id or unit>/``, checked to stay inside ``root``."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
        raise ValueError(f"year {year!r} cannot name an output folder")
    root = Path(root).expanduser().resolve()
    return inside(root, root / str(year) / safe_name(name, "run name"), "run name")


def run_name(plan_id: str, notebook: str, lang: str, *, as_of: str | None = None,
             default_notebook: str = "yearly_plan_evaluation") -> str:
    """The folder name of one run: the plan id, then the data date, notebook and language when
    they are not the defaults (``baclieu_dot_2023``, ``mot_nq17_2019_asof_2019-07-31``,
    ``baclieu_dot_2023_year_over_year_en``): an early-warning run never replaces the
    year-end report."""
    name = safe_name(plan_id, "plan id")
    if as_of:
        if not isinstance(as_of, str) or not _DATE.fullmatch(as_of):
            raise ValueError(f"as_of {as_of!r} is not a date written YYYY-MM-DD")
        name += f"_asof_{as_of}"
    if notebook != default_notebook:
        name += f"_{safe_name(notebook, 'notebook')}"
    if lang != "vi":
        name += f"_{safe_name(lang, 'language')}"
    return safe_name(name, "run name")


def is_run_folder(path: Path) -> bool:
    """A folder dx_metrics wrote (marker file; ``run.log`` for folders of earlier versions)."""
    return (path / RUN_MARKER).is_file() or (path / RUN_LOG).is_file()


def failed_dir(final: Path) -> Path:
    """Where a failed run of ``final`` keeps its notebook and log: ``<final>.failed``."""
    return final.with_name(final.name + FAILED)


def index_path(root: str | Path) -> Path:
    """``<root>/index.html``: the page listing every report under the output root."""
    return Path(root) / INDEX_HTML


def index_state_path(root: str | Path) -> Path:
    """``<root>/.index.json``: the figures the last index showed."""
    return Path(root) / INDEX_STATE


def run_folders(root: str | Path) -> list[tuple[int, Path]]:
    """Every run folder under ``root`` as ``(year, folder)``: ``<root>/<year>/<name>/`` holding the
    runner's marker, sorted; a failed run's ``<name>.failed``, a swap's ``<name>.old`` and
    folders being written (``.<name>.tmp-<pid>``) are not reports and are left out."""
    root = Path(root)
    found = []
    for year_dir in sorted(root.iterdir()) if root.is_dir() else []:
        if not (year_dir.is_dir() and year_dir.name.isdigit() and 1900 <= int(year_dir.name) <= 2200):
            continue
        for d in sorted(year_dir.iterdir()):
            if (NAME.fullmatch(d.name) and not d.name.endswith((FAILED, ".old")) and not d.is_symlink()
                    and d.is_dir() and is_run_folder(d)):
                found.append((int(year_dir.name), d))
    return found


def failed_folders(root: str | Path) -> list[tuple[int, Path]]:
    """Every failed run's folder under ``root`` (``<root>/<year>/<name>.failed/``) as ``(year, folder)``."""
    root = Path(root)
    found = []
    for year_dir in sorted(root.iterdir()) if root.is_dir() else []:
        if year_dir.is_dir() and year_dir.name.isdigit():
            found += [(int(year_dir.name), d) for d in sorted(year_dir.glob(f"*{FAILED}"))
                      if d.is_dir() and not d.is_symlink() and is_run_folder(d)]
    return found


def chart_path(out_dir: Path, chart_id: str) -> Path:
    return Path(out_dir) / CHARTS / f"{safe_name(chart_id, 'chart id')}.png"


def notebook_path(name: str) -> Path:
    name = name[: -len(".ipynb")] if isinstance(name, str) and name.endswith(".ipynb") else name
    return NOTEBOOKS / f"{safe_name(name, 'notebook')}.ipynb"


def write_atomically(path: Path, write) -> Path:
    """Write ``path`` through ``write(temporary path)`` then one rename: a reader (another
    run, another process) sees the old file or the new one, never half of it. The file gets
    the permissions of one written directly (0666 less the umask)."""
    import os
    import secrets

    while True:      # a fresh name beside the target, created by us alone (O_EXCL)
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            break
        except FileExistsError:
            continue
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
