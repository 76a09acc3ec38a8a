"""Find the header under the title rows and name each column canonically.

Exports put a unit name, a report title and a reporting period above the table, often a
two-row header with merged cells ("Số hồ sơ nhận giải quyết" over "Trực tuyến" and
"Trực tiếp, dịch vụ bưu chính"), and sometimes a row of column numbers "(1) (2) (3)"
under it. ``find_header`` tries every row near the top as a one- or two-row header,
keeps the one that names the most canonical columns, and flattens it.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from dx_metrics.text import clean_label, fold

SCAN_ROWS = 40
_COLNUM = re.compile(r"^\(?\s*\d{1,3}\s*\)?(\s*[=+\-x*]\s*\(?\s*\d{1,3}\s*\)?)*$")
_COLNUM_IN_HEADER = re.compile(r"\(\s*\d{1,3}\s*\)")
ALIAS_FILE = "dx_metrics/ingest/columns.yaml"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    required: bool
    aliases: tuple[tuple[str, ...], ...]   # folded header paths


@dataclass
class Header:
    row: int                        # 0-based index of the header's first row
    depth: int                      # 1 or 2 rows
    data_start: int                 # 0-based index of the first row under the header
    columns: dict[str, int]         # canonical name -> 0-based column position
    texts: dict[str, str]           # canonical name -> header text as written
    unmatched: dict[int, str]       # other non-empty header cells, by position
    note: tuple[str, str] | None = None   # (message, hint) about the choice of sheet
    hidden_notes: list[tuple[str, str]] = field(default_factory=list)   # hidden sheets not read
    aliases: dict[str, str] = field(default_factory=dict)   # canonical -> the folded alias it matched


COMPONENT_PREFIX = "component__"
# the row-number column every Vietnamese table has: read past without a word (folded texts)
ROW_NUMBER_HEADERS = frozenset({"stt", "tt", "so tt", "so thu tu", "thu tu", "no", "n0", "#"})


def _aliases(where: str, raw: list) -> tuple[tuple[str, ...], ...]:
    out = []
    for alias in raw:
        if not isinstance(alias, str):
            raise ValueError(f"{ALIAS_FILE}: {where} has a non-text alias {alias!r}; quote it")
        out.append(tuple(fold(_strip_colnum(part)) for part in alias.split(" / ")))
    return tuple(out)


_overlay: Path | None = None     # a workspace's columns.yaml, whose aliases add to the bundled ones


def set_overlay(path: str | Path | None) -> None:
    """Add the aliases of ``path`` (a workspace's ``columns.yaml``, same layout as the bundled
    one: ``kind: {field: {aliases: [...]}}``) to the bundled alias table from now on."""
    global _overlay
    _overlay = Path(path).resolve() if path is not None else None
    _raw_table.cache_clear()
    column_specs.cache_clear()


def overlay() -> Path | None:
    return _overlay


def overlay_digest() -> str:
    return hashlib.sha256(_overlay.read_bytes()).hexdigest()[:16] if _overlay is not None else ""


@lru_cache(maxsize=1)
def _raw_table() -> dict:
    table = yaml.safe_load(resources.files("dx_metrics.ingest").joinpath("columns.yaml").read_text("utf-8"))
    if _overlay is None:
        return table
    from dx_metrics import safe_yaml

    ours = safe_yaml.load_file(_overlay) or {}
    if not isinstance(ours, dict):
        raise ValueError(f"{_overlay}: must map table kinds to fields (e.g. 'dossiers: {{received_online: "
                         f"{{aliases: [...]}}}}')")
    for kind, fields in ours.items():
        if kind not in table or kind == "index_components" or not isinstance(fields, dict):
            raise ValueError(f"{_overlay}: {kind!r} is not a table kind (kinds: "
                             f"{', '.join(k for k in table if k != 'index_components')})")
        for name, spec in fields.items():
            if name not in table[kind]:
                raise ValueError(f"{_overlay}: {kind}.{name} is not a field of {kind} (fields: "
                                 f"{', '.join(table[kind])})")
            extra = (spec or {}).get("aliases", []) if isinstance(spec, dict) else spec
            if not isinstance(extra, list):
                raise ValueError(f"{_overlay}: {kind}.{name}.aliases must be a list of header texts")
            table[kind][name] = {**table[kind][name], "aliases": [*table[kind][name].get("aliases", []), *extra]}
    return table


@lru_cache(maxsize=1)
def column_specs() -> dict[str, dict[str, ColumnSpec]]:
    """The alias table (``columns.yaml``) for every table kind.

    Component columns of wide index tables appear in ``index_scores`` as
    ``component__<name>`` (see ``component_index``).
    """
    raw = _raw_table()
    specs: dict[str, dict[str, ColumnSpec]] = {}
    for kind, cols in raw.items():
        if kind == "index_components":
            continue
        specs[kind] = {}
        for name, spec in cols.items():
            specs[kind][name] = ColumnSpec(name, spec["type"], bool(spec.get("required", False)),
                                           _aliases(f"{kind}.{name}", spec.get("aliases", [])))
    for index, comps in raw.get("index_components", {}).items():
        for comp, aliases in comps.items():
            name = COMPONENT_PREFIX + comp
            specs["index_scores"][name] = ColumnSpec(name, "number", False,
                                                     _aliases(f"index_components.{index}.{comp}", aliases))
    return specs


@lru_cache(maxsize=1)
def component_index() -> dict[str, str]:
    """Which index each component column belongs to: {"osi": "EGDI", "tdgq": "766", ...}."""
    return {comp: str(index) for index, comps in _raw_table().get("index_components", {}).items() for comp in comps}


def _strip_colnum(text: str) -> str:
    return _COLNUM_IN_HEADER.sub(" ", text)


def _cell_text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    text = clean_label(v)
    return text or None


def _match(path: tuple[str, ...], specs: dict[str, ColumnSpec]) -> tuple[str | None, int]:
    """The canonical column whose alias is the longest suffix of ``path`` (and its length)."""
    name, n, _ = _match_alias(path, specs)
    return name, n


def _match_alias(path: tuple[str, ...], specs: dict[str, ColumnSpec]) -> tuple[str | None, int, tuple[str, ...]]:
    best, best_len, best_alias = None, 0, ()
    for spec in specs.values():
        for alias in spec.aliases:
            n = len(alias)
            if n <= len(path) and path[-n:] == alias and n > best_len:
                best, best_len, best_alias = spec.name, n, alias
    return best, best_len, best_alias


def _paths(top: list[str | None], sub: list[str | None] | None) -> list[tuple[tuple[str, ...], str]]:
    """(folded path, display text) for each column of a one- or two-row header."""
    out = []
    parent = None
    for i, t in enumerate(top):
        s = sub[i] if sub is not None else None
        if t is not None:
            parent = t
        elif s is None:
            parent = None
        p = t if t is not None else (parent if s is not None else None)
        parts = [x for x in (p, s) if x is not None]
        if p is not None and s is not None and p == s:  # a vertically merged cell read twice
            parts = [p]
        path = tuple(fold(_strip_colnum(x)) for x in parts)
        out.append((tuple(x for x in path if x), " / ".join(parts)))
    return out


def _assign(paths, specs) -> tuple[dict[str, int], dict[str, str], dict[int, str], int, dict[str, str]]:
    columns: dict[str, int] = {}
    texts: dict[str, str] = {}
    strength: dict[str, int] = {}
    unmatched: dict[int, str] = {}
    aliases: dict[str, str] = {}
    for i, (path, text) in enumerate(paths):
        if not path:
            continue
        name, n, alias = _match_alias(path, specs)
        if name is None:
            unmatched[i] = text
        elif name not in columns or n > strength[name]:
            if name in columns:
                unmatched[columns[name]] = texts[name]
            columns[name], texts[name], strength[name] = i, text, n
            aliases[name] = " / ".join(alias)
        else:
            unmatched[i] = text
    return columns, texts, unmatched, len(columns), aliases


def closest_field(text: str, kind: str, *, exclude: set[str] = frozenset()) -> str | None:
    """The field of ``kind`` whose aliases share the most words with a header text (a draft
    for an analyst to confirm, never used to read a file)."""
    words = set(fold(_strip_colnum(text)).split())
    best, score = None, 0.0
    for name, spec in column_specs()[kind].items():
        if name in exclude or name.startswith(COMPONENT_PREFIX):
            continue
        for alias in spec.aliases:
            aw = set(" ".join(alias).split())
            overlap = len(words & aw) / len(words | aw) if words | aw else 0.0
            if overlap > score:
                best, score = name, overlap
    return best if score >= 0.34 else None


def explain(header: "Header", cells: pd.DataFrame, kind: str) -> list[tuple[str, str, str, str]]:
    """How each header cell was read: (column letter, header as written, canonical field or
    "—", how: the alias it matched after folding, "row number", or "not read")."""
    from dx_metrics.ingest.extent import column_letters

    rows = cells.head(header.row + header.depth)
    top = [_cell_text(v) for v in rows.iloc[header.row]]
    sub = [_cell_text(v) for v in rows.iloc[header.row + 1]] if header.depth == 2 else None
    field_of = {pos: name for name, pos in header.columns.items()}
    out = []
    for i, (path, text) in enumerate(_paths(top, sub)):
        if not path:
            continue
        name = field_of.get(i)
        if name is not None:
            how = f"alias '{header.aliases.get(name, '')}' (after folding diacritics, case and punctuation)"
        elif fold(text) in ROW_NUMBER_HEADERS:
            how = "row number (read past)"
        else:
            how = "not read: no alias of a " + kind + " column matches (add one to columns.yaml)"
        out.append((column_letters(i + 1), text, name or "—", how))
    return out


def is_column_number_row(cells: list[object]) -> bool:
    """True for a row like "(1) (2) (3)=(4)+(5) ..." printed under a header."""
    texts = [_cell_text(v) for v in cells]
    filled = [t for t in texts if t is not None]
    if len(filled) < 2 or not all(_COLNUM.match(t.replace(" ", "")) for t in filled):
        return False
    # the numbers count up across the row ("(1) (2) (3)=(4)+(5)"): data such as "0 0" does not
    firsts = [int(re.match(r"\(?\s*(\d+)", t).group(1)) for t in filled]
    return all(b > a for a, b in zip(firsts, firsts[1:]))


def find_header(cells: pd.DataFrame, kind: str) -> Header | None:
    """The best header for ``kind`` in the first rows of ``cells``, or None."""
    specs = column_specs()[kind]
    rows = cells.head(SCAN_ROWS + 2)
    texts = [[_cell_text(v) for v in r] for r in rows.itertuples(index=False)]
    best: Header | None = None
    best_score = 1  # at least two canonical columns make a header
    for r in range(min(SCAN_ROWS, len(texts))):
        if sum(t is not None for t in texts[r]) < 2:
            continue
        for depth in (1, 2):
            if r + depth > len(texts):
                continue
            sub = texts[r + 1] if depth == 2 else None
            if depth == 2 and (sub is None or sum(t is not None for t in sub) == 0
                               or is_column_number_row(list(rows.iloc[r + 1]))):
                continue
            columns, names, unmatched, score, aliases = _assign(_paths(texts[r], sub), specs)
            if score > best_score:
                start = r + depth
                if start < len(cells) and is_column_number_row(list(cells.iloc[start])):
                    start += 1
                best_score = score
                best = Header(r, depth, start, columns, names, unmatched, aliases=aliases)
    return best
