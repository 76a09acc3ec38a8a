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
from pathlib import Path

import pandas as pd
import yaml

from dx_metrics import safe_yaml
from dx_metrics.text import clean_label, fold, split_glued

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
    example: str = ""                      # the first alias as written ("Đơn vị"), for messages


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
    hows: dict[str, str] = field(default_factory=dict)      # canonical -> alias | words | parent | context (after X)
    conflicts: list[str] = field(default_factory=list)      # columns two readings fit (an error)


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


_NOT_KINDS = frozenset({"filler_words"})   # sections of columns.yaml that are not table kinds
_overlay: Path | None = None     # a workspace's columns.yaml, whose aliases add to the bundled ones


def set_overlay(path: str | Path | None) -> None:
    """Add the aliases of ``path`` (a workspace's ``columns.yaml``, same layout as the bundled
    one: ``kind: {field: {aliases: [...]}}``) to the bundled alias table from now on. The file
    is checked now (``overlay_aliases``): a ``DxDataError`` names its problems, and the table
    in force stays as it was."""
    global _overlay
    path = Path(path).resolve() if path is not None else None
    if path is not None:
        overlay_aliases(path)
    _overlay = path
    _clear()


def overlay() -> Path | None:
    return _overlay


_built_from: str | None = None    # the overlay digest the alias tables were built from


def overlay_digest() -> str:
    """The overlay's content digest (part of every cache key). An overlay edited since the
    alias tables were built makes them be built again, so a parse never uses stale aliases
    under a key that names the new ones."""
    digest = hashlib.sha256(_overlay.read_bytes()).hexdigest()[:16] if _overlay is not None else ""
    if _built_from is not None and digest != _built_from:
        _clear()
    return digest


def _clear() -> None:
    global _built_from
    _built_from = None
    _raw_table.cache_clear()
    column_specs.cache_clear()
    specs_for.cache_clear()
    _table.cache_clear()


@lru_cache(maxsize=1)
def _raw_table() -> dict:
    global _built_from
    table = safe_yaml.load_package_data("dx_metrics.ingest", "columns.yaml")
    _built_from = hashlib.sha256(_overlay.read_bytes()).hexdigest()[:16] if _overlay is not None else ""
    if _overlay is None:
        return table
    for kind, fields in overlay_aliases(_overlay, table).items():
        for name, extra in fields.items():
            table[kind][name] = {**table[kind][name], "aliases": [*table[kind][name].get("aliases", []), *extra]}
    return table


_KEPT = {"type": "the type", "required": "whether it is required", "context": "the columns it may follow"}


def overlay_aliases(path: Path, bundled: dict | None = None) -> dict[str, dict[str, list[str]]]:
    """The header aliases a workspace's ``columns.yaml`` adds, ``{kind: {field: [alias, ...]}}``,
    read with the limits of plan files (``safe_yaml``: no alias bombs) and checked: a table kind,
    its fields, each alias a text. Every problem is collected with the file, its line and the
    key (``dossiers.received_online.aliases[1]``), and raised once as a ``DxDataError``."""
    from dx_metrics.errors import DxDataError, Problem

    name = str(path)
    bundled = bundled or safe_yaml.load_package_data("dx_metrics.ingest", "columns.yaml")
    kinds = ", ".join(k for k in bundled if k not in _NOT_KINDS)
    problems: list[Problem] = []

    def bad(message: str, *, key: tuple = (), line: int | None = None, hint: str | None = None,
            value: object = None) -> None:
        shown = ".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in key).replace(".[", "[")
        if line is None:       # keys as the file writes them (a key 1: is "1" there)
            line = lines.get(key) or lines.get(tuple(k if isinstance(k, int) else str(k) for k in key))
        problems.append(Problem(file=name, row=line, column=shown or None,
                                message=message, reason="overlay", value=value, hint=hint))

    lines: dict[tuple, int] = {}
    try:
        data, lines = safe_yaml.load_file_located(path)
    except OSError as e:
        bad(f"cannot be read ({e.strerror or e})")
    except UnicodeDecodeError as e:
        bad(f"is not UTF-8 text (byte 0x{e.object[e.start]:02X})",
            line=e.object[:e.start].count(b"\n") + 1, hint="save it as UTF-8, the encoding of every YAML file")
    except safe_yaml.YamlLimitError as e:
        bad(f"cannot be read: {e}", line=e.line, hint="columns.yaml needs no aliases (*name): write each header out")
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        bad(f"is not valid YAML ({getattr(e, 'problem', None) or e})", line=mark.line + 1 if mark else None,
            hint="check the indentation and quotes on that line")
    if problems:
        raise DxDataError(problems)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DxDataError([Problem(file=name, row=1, reason="overlay", message=(
            f"must map table kinds to fields (e.g. 'dossiers: {{received_online: {{aliases: [...]}}}}'), "
            f"not a {'list' if isinstance(data, list) else type(data).__name__}"), hint=f"the kinds are: {kinds}")])
    out: dict[str, dict[str, list[str]]] = {}
    for kind, fields in data.items():
        if kind not in bundled or kind in _NOT_KINDS or not isinstance(fields, dict):
            bad(f"is not a table kind (kinds: {kinds})" if kind not in bundled or kind in _NOT_KINDS else
                f"must map its fields to their aliases (e.g. '{kind}: {{unit_name: {{aliases: [...]}}}}')",
                key=(kind,))
            continue
        for field_name, spec in fields.items():
            key = (kind, field_name)
            if field_name not in bundled[kind]:
                bad(f"is not a field of {kind} (fields: {', '.join(bundled[kind])})", key=key)
                continue
            aliases, where = spec, (*key, "aliases")
            if isinstance(spec, dict):
                for k in spec:
                    if k == "aliases":
                        continue
                    if k not in _KEPT:
                        bad("is no key of columns.yaml: a workspace adds aliases only", key=(*key, k),
                            hint=f"write '{field_name}: {{aliases: [...]}}'")
                    elif spec[k] != bundled[kind][field_name].get(k, False if k == "required" else None):
                        bad(f"is {spec[k]!r}, but a workspace cannot change {_KEPT[k]} of a column (the bundled "
                            f"one: {bundled[kind][field_name].get(k)!r})", key=(*key, k))
                aliases = spec.get("aliases", [])
            elif spec is None:
                aliases = []
            else:
                where = key
            if not isinstance(aliases, list):
                bad("must be a list of header texts (e.g. [Nộp qua mạng])", key=where)
                continue
            good = []
            for i, alias in enumerate(aliases):
                if isinstance(alias, str) and alias.strip():
                    good.append(alias)
                else:
                    bad(f"is {alias!r}, not a header text" +
                        ("; quote it" if alias is not None and not isinstance(alias, (list, dict)) else ""),
                        key=(*where, i), value=alias if not isinstance(alias, (list, dict)) else None)
            out.setdefault(kind, {})[field_name] = good
    if problems:
        raise DxDataError(problems)
    return out


@lru_cache(maxsize=1)
def column_specs() -> dict[str, dict[str, ColumnSpec]]:
    """The alias table (``columns.yaml``) for every table kind (index tables without the
    components of any index: see ``specs_for``)."""
    raw = _raw_table()
    specs: dict[str, dict[str, ColumnSpec]] = {}
    for kind, cols in raw.items():
        if kind in _NOT_KINDS:
            continue
        specs[kind] = {}
        for name, spec in cols.items():
            written = spec.get("aliases", [])
            specs[kind][name] = ColumnSpec(name, spec["type"], bool(spec.get("required", False)),
                                           _aliases(f"{kind}.{name}", written), str(written[0]) if written else name)
    return specs


ANY_INDEX = "*"    # every index's components at once: only to find where a header is


@lru_cache(maxsize=32)
def specs_for(kind: str, index: str | None = None) -> dict[str, ColumnSpec]:
    """The columns of ``kind``; for index tables of a known ``index`` (a catalogue id), also
    its components (``component__<id>``), its overall-score and rank headers. Component
    names are scoped to their index: "Công khai, minh bạch" is a 766 column only in a 766 table."""
    base = column_specs()[kind]
    if kind != "index_scores" or index is None:
        return base
    from dx_metrics.ingest import indexes

    chosen = list(indexes.catalogue().values()) if index == ANY_INDEX else [indexes.catalogue()[index]]
    out = dict(base)
    extra_total = tuple(a for ix in chosen for a in _aliases(f"indexes.{ix.id}.total", list(ix.total)))
    extra_rank = tuple(a for ix in chosen for a in _aliases(f"indexes.{ix.id}.rank", list(ix.rank)))
    out["score"] = ColumnSpec("score", base["score"].type, base["score"].required, base["score"].aliases + extra_total,
                              base["score"].example)
    out["rank"] = ColumnSpec("rank", base["rank"].type, base["rank"].required, base["rank"].aliases + extra_rank,
                             base["rank"].example)
    for ix in chosen:
        for cid, comp in ix.components.items():
            name = COMPONENT_PREFIX + cid
            aliases = _aliases(f"indexes.{ix.id}.components.{cid}", [*comp.aliases, comp.name_vi, comp.name_en])
            prev = out.get(name)
            out[name] = ColumnSpec(name, "number", False, (prev.aliases if prev else ()) + aliases,
                                   prev.example if prev else comp.name_vi)
    return out


def _strip_colnum(text: str) -> str:
    return _COLNUM_IN_HEADER.sub(" ", text)


def cell_text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    text = clean_label(v)
    return text or None


@dataclass(frozen=True)
class _Table:
    """The alias table of one kind, indexed for matching a header path in constant time."""
    exact: dict[tuple[str, ...], set[str]]              # folded alias path -> fields
    words: dict[tuple[int, tuple[str, ...]], set[str]]  # (levels, sorted words less fillers) -> fields
    context: dict[tuple[str, ...], list[tuple[str, frozenset[str]]]]  # words -> [(field, fields it may follow)]
    fillers: tuple[tuple[str, ...], ...]
    drop_years: bool

    def bag(self, text: str) -> tuple[str, ...]:
        return _words(text, self.fillers, self.drop_years)


# words that alone name no field ("Tổng", "Số"): a phrase reduced to them is not read by its words
_GENERIC = frozenset({"tong", "so", "cong", "sl", "luong"})
# sub-headers that only say "the count of the column above" ("Tổng" beside a "%" column)
_COUNT_CHILD = frozenset({"tong", "tong so", "so luong", "sl", "so ho so"})
_YEAR = re.compile(r"^(19|20)\d\d$")


def _words(text: str, fillers: tuple[tuple[str, ...], ...], drop_years: bool = False) -> tuple[str, ...]:
    """The words of a folded text in order-free form, without the kind's filler phrases
    ("số hồ sơ", "tiếp nhận", "kể cả" ...), digits apart from letters, and in index tables
    without a year ("PCI 2016" is the PCI column of 2016)."""
    toks = split_glued(text).split()
    if drop_years:
        toks = [t for t in toks if not _YEAR.match(t)]
        toks = _unnumbered(toks)
    out: list[str] = []
    i = 0
    while i < len(toks):
        for f in fillers:
            if tuple(toks[i:i + len(f)]) == f:
                i += len(f)
                break
        else:
            out.append(toks[i])
            i += 1
    return tuple(sorted(out))


# how publishers number an index's parts in a header ("6: Public Service Delivery", "6.1: Public
# Health", "Nội dung 2", "Chỉ số thành phần 3: Tính minh bạch", "Dimension 4", "Trụ cột 1"):
# words of index tables only, read past before the part's own name
_NUMBERING_WORDS = (("noi", "dung"), ("chi", "so", "thanh", "phan"), ("cstp",), ("dimension",), ("sub", "index"),
                    ("subindex",), ("tru", "cot"), ("pillar",), ("linh", "vuc"))


def _unnumbered(toks: list[str]) -> list[str]:
    """Tokens of a folded index header without its leading outline number ("6 1 public health"
    -> "public health"; "noi dung 2 cong khai minh bach" -> "cong khai minh bach")."""
    i = 0
    for words in _NUMBERING_WORDS:
        if tuple(toks[:len(words)]) == words and len(toks) > len(words) and toks[len(words)].isdigit():
            i = len(words)
            break
    j = i
    while j < len(toks) and j - i < 3 and toks[j].isdigit() and len(toks[j]) <= 2:
        j += 1
    return toks[j:] if j > i and j < len(toks) else toks


@lru_cache(maxsize=64)
def _table(kind: str, index: str | None = None) -> _Table:
    specs = specs_for(kind, index)
    raw = _raw_table()[kind]
    fillers = tuple(sorted((tuple(fold(f).split()) for f in _raw_table().get("filler_words", {}).get(kind, [])),
                           key=len, reverse=True))
    exact: dict = {}
    words: dict = {}
    context: dict = {}
    for spec in specs.values():
        for alias in spec.aliases:
            exact.setdefault(alias, set()).add(spec.name)
            key = (len(alias), _words(" ".join(alias), fillers, kind == "index_scores"))
            if not set(key[1]) <= _GENERIC:            # an empty bag is within it too
                words.setdefault(key, set()).add(spec.name)
        ctx = raw.get(spec.name, {}).get("context") if isinstance(raw.get(spec.name), dict) else None
        if ctx:
            for text in ctx.get("aliases", []):
                context.setdefault(_words(fold(_strip_colnum(text)), fillers, kind == "index_scores"), []).append(
                    (spec.name, frozenset(ctx.get("after", []))))
    return _Table(exact, words, context, fillers, kind == "index_scores")


@dataclass(frozen=True)
class Match:
    fields: frozenset[str]     # one field, or several when the header fits them equally
    strength: tuple[int, int]  # (header levels the alias covers, 1 if exact after folding else 0)
    alias: str                 # the alias as folded
    how: str                   # "alias", "words" or "parent"


def _match(path: tuple[str, ...], table: _Table) -> Match | None:
    """The best reading of one column's folded header path: an alias equal to the whole path
    or its last level (after folding), else one with the same words in any order once the
    kind's filler words are set aside. Covering more levels wins, then exact over words."""
    found: list[Match] = []
    for n in range(len(path), 0, -1):                  # a path has one level or two
        tail = path[-n:]
        if tail in table.exact:
            found.append(Match(frozenset(table.exact[tail]), (n, 1), " / ".join(tail), "alias"))
        bag = table.bag(" ".join(tail))
        if bag and (n, bag) in table.words:
            found.append(Match(frozenset(table.words[(n, bag)]), (n, 0), " ".join(bag), "words"))
        if n == 2 and bag and (1, bag) in table.words:    # "Thanh toán / Trực tuyến" is one phrase
            found.append(Match(frozenset(table.words[(1, bag)]), (n, 0), " ".join(bag), "words"))
    if not found and len(path) == 2 and path[1] in _COUNT_CHILD:
        # "Tổng số hồ sơ tiếp nhận / Tổng" beside ".../ %": the parent names the count
        m = _match(path[:1], table)
        return Match(m.fields, (1, 0), m.alias, "parent") if m is not None else None
    if not found:
        return None
    best = max(m.strength for m in found)
    top = [m for m in found if m.strength == best]
    return Match(frozenset().union(*(m.fields for m in top)), best, top[0].alias, top[0].how)


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
        # a "%" beside a count is its share: kept as words so that it is never taken for the count
        path = tuple(fold(_strip_colnum(x)) or ("ty le" if "%" in x else "") for x in parts)
        out.append((tuple(x for x in path if x), " / ".join(parts)))
    return out


@dataclass
class Assignment:
    columns: dict[str, int] = field(default_factory=dict)     # field -> column position
    texts: dict[str, str] = field(default_factory=dict)       # field -> header as written
    unmatched: dict[int, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)     # field -> the alias matched (folded)
    hows: dict[str, str] = field(default_factory=dict)        # field -> alias | words | parent | context (after X)
    conflicts: list[str] = field(default_factory=list)        # columns that cannot be told apart


def _letter(i: int) -> str:
    from dx_metrics.ingest.extent import column_letters
    return column_letters(i + 1)


def _assign(paths, kind: str, index: str | None = None) -> Assignment:
    """Name each column: by alias or words (or, for a count beside its "%", by the header
    above), then flat one-level headers such as "Quá hạn" by the column before them. A field two columns fit equally, or a column two fields fit equally, is a
    conflict (named with both) rather than a silent choice."""
    table = _table(kind, index)
    a = Assignment()
    strength: dict[str, tuple[int, int]] = {}
    rivals: dict[str, list[int]] = {}
    matches: dict[int, Match] = {}
    for i, (path, text) in enumerate(paths):
        if not path:
            continue
        m = _match(path, table)
        if m is None:
            continue
        if len(m.fields) > 1:
            a.conflicts.append(f"column {_letter(i)} ('{text}') fits {' and '.join(sorted(m.fields))} equally")
            continue
        matches[i] = m
        name = next(iter(m.fields))
        if name not in a.columns or m.strength > strength[name]:
            if name in a.columns:
                a.unmatched[a.columns[name]] = a.texts[name]
            a.columns[name], a.texts[name], strength[name] = i, text, m.strength
            a.aliases[name], a.hows[name] = m.alias, m.how
            rivals[name] = [i]
        elif m.strength == strength[name]:
            rivals[name].append(i)
            a.unmatched[i] = text
        else:
            a.unmatched[i] = text
    for name, cols in rivals.items():
        if len(cols) > 1:
            listed = " and ".join(f"{_letter(c)} ('{paths[c][1]}')" for c in cols)
            a.conflicts.append(f"columns {listed} both read as {name}")
    # flat headers that mean one thing after another column ("Quá hạn" after "Đúng hạn"); a
    # header under a parent dx_metrics does not know ("Đang xử lý / Quá hạn") is left unread
    last = None
    for i, (path, text) in enumerate(paths):
        if not path:
            continue
        if i in matches:
            name = next(iter(matches[i].fields))
            last = name if a.columns.get(name) == i else last
            continue
        if len(path) > 1:
            a.unmatched.setdefault(i, text)
            continue
        fits = [f for f, after in table.context.get(table.bag(path[-1]), [])
                if last in after and f not in a.columns]
        if len(fits) == 1:
            a.columns[fits[0]], a.texts[fits[0]] = i, text
            a.aliases[fits[0]], a.hows[fits[0]] = path[-1], f"context (after {last})"
            last = fits[0]
        else:
            a.unmatched.setdefault(i, text)
    return a


# what a header naming a submission channel ("Nộp qua mạng điện tử") counts, when no alias resembles it
_CHANNEL_FIELDS = {frozenset({"online"}): "received_online", frozenset({"direct"}): "received_direct",
                   frozenset({"postal"}): "received_postal", frozenset({"direct", "postal"}): "received_offline"}


def closest_field(text: str, kind: str, *, exclude: set[str] = frozenset()) -> str | None:
    """The field of ``kind`` a header text most resembles (a draft for an analyst to confirm,
    never used to read a file). A header of two rows ("Số hồ sơ tiếp nhận / Nộp qua mạng điện
    tử") is judged by its own cell: the merged cell above it is shared with its siblings (the
    received total, the online count, the in-person count) and tells none of them apart; the
    words it shares with an alias's own part count first, the whole path only between fields
    that resemble it equally. A header no alias resembles that names a submission channel
    (vocabulary.yaml: "qua mạng" is online) is that channel's count."""
    own = set(fold(_strip_colnum(text.rsplit(" / ", 1)[-1])).split())
    path = set(fold(_strip_colnum(text)).split())

    def overlap(a: set[str], b: set[str]) -> float:
        return len(a & b) / len(a | b) if a | b else 0.0

    best, score = None, (0.0, 0.0)
    specs = column_specs()[kind]
    for name, spec in specs.items():
        if name in exclude or name.startswith(COMPONENT_PREFIX):
            continue
        for alias in spec.aliases:
            said = (overlap(own, set(alias[-1].split())), overlap(path, set(" ".join(alias).split())))
            if said > score:
                best, score = name, said
    if score[0] >= 0.34:
        return best
    from dx_metrics.ingest.vocabulary import channels_named

    field_ = _CHANNEL_FIELDS.get(frozenset(channels_named(" ".join(fold(_strip_colnum(text.rsplit(" / ", 1)[-1]))
                                                                      .split()))))
    return field_ if field_ in specs and field_ not in exclude else None


def explain(header: Header, cells: pd.DataFrame, kind: str) -> list[tuple[str, str, str, str]]:
    """How each header cell was read: (column letter, header as written, canonical field or
    "—", how: the alias it matched after folding, "row number", or "not read")."""
    from dx_metrics.ingest.extent import column_letters

    rows = cells.head(header.row + header.depth)
    top = [cell_text(v) for v in rows.iloc[header.row]]
    sub = [cell_text(v) for v in rows.iloc[header.row + 1]] if header.depth == 2 else None
    field_of = {pos: name for name, pos in header.columns.items()}
    out = []
    for i, (path, text) in enumerate(_paths(top, sub)):
        if not path:
            continue
        name = field_of.get(i)
        how_read = header.hows.get(name, "alias") if name is not None else None
        if how_read == "alias":
            how = f"alias '{header.aliases.get(name, '')}' (after folding diacritics, case and punctuation)"
        elif how_read == "parent":
            how = f"alias '{header.aliases.get(name, '')}' of the header above (the count beside its share)"
        elif how_read == "words":
            how = f"words of alias '{header.aliases.get(name, '')}' (in any order; filler words and a year set aside)"
        elif how_read is not None:
            how = f"'{header.aliases.get(name, '')}' read by its {how_read}"
        elif fold(text) in ROW_NUMBER_HEADERS:
            how = "row number (read past)"
        else:
            how = f"not read: no alias of {with_article(kind)} column matches (add one to columns.yaml)"
        out.append((column_letters(i + 1), text, name or "—", how))
    return out


def with_article(kind: str) -> str:
    """ "a dossiers" / "an index_scores": the article for a kind name in a message."""
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def is_column_number_row(cells: list[object], header: list[str | None] | None = None) -> bool:
    """True for a row like "(1) (2) (3)=(4)+(5) ..." printed under a header: it numbers most
    of the header's columns (a data row of a blank unit with "0" and "1" in two of five
    columns is data, not numbering)."""
    texts = [cell_text(v) for v in cells]
    filled = [t for t in texts if t is not None]
    if len(filled) < 2 or not all(_COLNUM.match(t.replace(" ", "")) for t in filled):
        return False
    if header is not None and 3 * len(filled) < 2 * sum(t is not None for t in header):
        return False
    # the numbers count up across the row ("(1) (2) (3)=(4)+(5)"): data such as "0 0" does not
    firsts = [int(re.match(r"\(?\s*(\d+)", t).group(1)) for t in filled]
    return all(b > a for a, b in zip(firsts, firsts[1:]))


_NUMBERISH = re.compile(r"^[\d\s.,%/:()+\-]+$")


def _under_merged_cells(top: list[str | None], sub: list[str | None]) -> bool:
    """True when a row of texts only (no figure, no date) has a text under an empty cell that
    follows a filled one, as a sub-header has under a merged parent cell."""
    if any(t is not None and _NUMBERISH.match(t) and any(ch.isdigit() for ch in t) for t in sub):
        return False
    seen = False
    for t, s in zip(top, sub):
        if t is not None:
            seen = True
        elif seen and s is not None:
            return True
    return False


def find_header(cells: pd.DataFrame, kind: str, index: str | None = None) -> Header | None:
    """The best header for ``kind`` in the first rows of ``cells``, or None. ``index`` scopes
    an index table's component names (a catalogue id, or ``ANY_INDEX`` to locate a header)."""
    rows = cells.head(SCAN_ROWS + 2)
    texts = [[cell_text(v) for v in r] for r in rows.itertuples(index=False)]
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
                               or is_column_number_row(list(rows.iloc[r + 1]), texts[r])):
                continue
            a = _assign(_paths(texts[r], sub), kind, index)
            score = len(a.columns)
            # a second header row that adds no column is still header, not data, when it reads
            # as a header by itself (PAPI: English over Vietnamese) or sits under merged cells
            # ("Tổng" and "%" under each count)
            second = (depth == 2 and score == best_score and best is not None and best.row == r
                      and (len(_assign(_paths(sub, None), kind, index).columns) >= 2
                           or _under_merged_cells(texts[r], sub)))
            if score > best_score or second:
                start = r + depth
                if start < len(cells) and is_column_number_row(list(cells.iloc[start]), texts[r]):
                    start += 1
                best_score = score
                best = Header(r, depth, start, a.columns, a.texts, a.unmatched, aliases=a.aliases, hows=a.hows,
                              conflicts=a.conflicts)
    return best


# --- when no header is found, or a header's score is not placed: say what was seen ----------

@dataclass(frozen=True)
class Candidate:
    """A row that looks most like a header: its Excel row and, per text cell, (column letter,
    text as written, the field it matched or most resembles, how: "read" or "guess" or None)."""
    row: int
    cells: tuple[tuple[str, str, str | None, str | None], ...]

    def said(self, limit: int = 6) -> str:
        return f"row {self.row}: " + self.cells_said(limit)

    def cells_said(self, limit: int = 6, *, like: str = "like", more: str = " more") -> str:
        """Its first ``limit`` text cells: column, text and the field each reads as (``like``
        the field it only resembles), then how many more (``more`` after the count)."""
        shown = [f"{c} '{t}'" + (f" ({like} {f})" if f and how == "guess" else f" ({f})" if f else "")
                 for c, t, f, how in self.cells[:limit]]
        n = len(self.cells) - limit
        return ", ".join(shown) + (f" … +{n}{more}" if n > 0 else "")


def header_candidates(cells: pd.DataFrame, kind: str, index: str | None = None, *, top: int = 2) -> list[Candidate]:
    """The rows among the first ``SCAN_ROWS`` most like a header of ``kind``: ranked by the
    cells an alias reads, then the cells that resemble a field (``closest_field``), then the
    text cells. For a refusal that finds no header, and for a draft columns.yaml."""
    rows = cells.head(SCAN_ROWS)
    scored = []
    for r, row in enumerate(rows.itertuples(index=False)):
        texts = [cell_text(v) if isinstance(v, str) else None for v in row]
        texts = [None if t is not None and _NUMBERISH.match(t) else t for t in texts]   # a figure heads nothing
        if sum(t is not None for t in texts) < 2:
            continue
        a = _assign(_paths(texts, None), kind, index)
        field_at = {pos: name for name, pos in a.columns.items()}
        out, taken = [], set(a.columns)
        for i, t in enumerate(texts):
            if t is None:
                continue
            if i in field_at:
                out.append((_letter(i), t, field_at[i], "read"))
                continue
            guess = None if fold(t) in ROW_NUMBER_HEADERS else closest_field(t, kind, exclude=taken)
            if guess:
                taken.add(guess)
            out.append((_letter(i), t, guess, "guess" if guess else None))
        score = (len(a.columns), sum(1 for c in out if c[3] == "guess"), len(out))
        scored.append((score, -r, Candidate(r + 1, tuple(out))))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return [c for *_, c in scored[:top]]


def rows_scanned(cells: pd.DataFrame) -> int:
    """How many of a sheet's first rows a header is looked for in."""
    return min(SCAN_ROWS, len(cells))


def scanned_rows(cells: pd.DataFrame) -> str:
    """ "rows 1–40" (or fewer, when the sheet is shorter): the rows a header is looked for in."""
    n = rows_scanned(cells)
    return f"rows 1–{n}" if n > 1 else "row 1" if n == 1 else "no rows (the sheet is empty)"


def closest_aliases(text: str, kind: str, index: str | None = None, *, fields: tuple[str, ...] = ("score",),
                    n: int = 2) -> list[str]:
    """The aliases (as written) of ``fields`` of ``kind`` (and, for an index table, its total's
    and components' names) that share most words with a header text, best first."""
    words = set(split_glued(fold(_strip_colnum(text))).split()) - {w for w in fold(text).split() if _YEAR.match(w)}
    written: list[str] = []
    raw = _raw_table().get(kind, {})
    for f in fields:
        written += [str(a) for a in (raw.get(f, {}) or {}).get("aliases", [])]
    if kind == "index_scores" and index not in (None, ANY_INDEX):
        from dx_metrics.ingest import indexes

        ix = indexes.catalogue()[index]
        written = [*ix.total, *written, *(a for c in ix.components.values() for a in (c.name_vi, c.name_en))]
    scored = []
    for alias in dict.fromkeys(written):
        aw = set(split_glued(fold(alias)).split())
        if not aw or not words:
            continue
        overlap = len(words & aw) / len(words | aw)
        if overlap > 0:
            scored.append((overlap, -len(scored), alias))
    scored.sort(reverse=True)
    return [a for *_, a in scored[:n]]


_RANK_WORDS = re.compile(r"\b(xep hang|thu hang|hang|rank|ranking|ranked|thu tu)\b")
_ID_WORDS = frozenset({"ma", "id", "code", "tinhid", "stt", "tt"})
_TOTAL_WORDS = re.compile(r"\b(tong|tong hop|total|overall|aggregate|composite|chung)\b")


def unread_scores(cells: pd.DataFrame, header: Header, index: str | None) -> list[tuple[int, str, list[str]]]:
    """The header cells of an index table that hold figures but were placed nowhere while the
    table's total score is not read: (position, header as written, closest aliases). Empty
    when the total is read, the table is long (a component column), or no unread column holds
    figures. A component table (components read, no total) names only unread cells that look
    like a total: they name the index or say total ("Tổng", "Overall")."""
    if "score" in header.columns or "component" in header.columns:
        return []
    from dx_metrics.ingest import indexes

    components = [f for f in header.columns if f.startswith(COMPONENT_PREFIX)]
    body = cells.iloc[header.data_start: header.data_start + 60]
    out = []
    for pos, text in sorted(header.unmatched.items()):
        folded = fold(text)
        if not folded or folded in ROW_NUMBER_HEADERS or pos >= body.shape[1]:
            continue
        words = set(split_glued(folded).split())
        if _RANK_WORDS.search(folded) or words & _ID_WORDS and len(words) <= 2 or folded in ("nam", "year"):
            continue
        values = [v for v in body.iloc[:, pos] if cell_text(v) is not None]
        numeric = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
                   or isinstance(v, str) and re.fullmatch(r"\s*-?\d[\d.,]*\s*%?\s*(\(\s*\d[\d.,]*\s*\))?\s*", v)]
        if not values or len(numeric) < 0.8 * len(values):
            continue
        if components and not (indexes.named_in([text]) or _TOTAL_WORDS.search(folded)):
            continue
        out.append((pos, text, closest_aliases(text, "index_scores", index)))
    return out


def no_header_said(sheets: list, kind: str, index: str | None = None) -> str:
    """What a refusal that finds no header says it saw: the rows it looked in, per sheet, and
    the rows most like a header with their cells (each read, or like the field it resembles)."""
    parts = []
    for s in sheets:
        where = f'sheet "{s.name}"' if s.name is not None else "the file"
        best = header_candidates(s.cells, kind, index, top=2)
        seen = ("most like a header: " + "; ".join(c.said() for c in best) if best else
                "no row there holds two texts, as a header row does")
        parts.append(f"{scanned_rows(s.cells)} of {where} looked in; {seen}")
    return " | ".join(parts)
