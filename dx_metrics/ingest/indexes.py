"""The index catalogue (``indexes.yaml``): which indexes exist, what names them, their components.

A table of index scores is read only once dx_metrics knows which index it holds: from the
caller (``index=``, ``--index``, a plan input's ``index:``), an ``index`` column, or a name
of exactly one index in the file (a title line, a header cell such as "PCI 2016", the sheet
name, the file name). A component header alone never decides: "Công khai, minh bạch" is a
766 component and a PAPI dimension alike. The one exception is a table carrying *every*
component of one index under its own codes (the portal's 766 export: TDGQ, MDHL, MDSH,
TTTT, CLGQ, CKMB), which no other index shares.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


from dx_metrics import safe_yaml
from dx_metrics.text import fold, split_glued

CATALOGUE_FILE = "dx_metrics/ingest/indexes.yaml"


@dataclass(frozen=True)
class Component:
    id: str
    name_vi: str
    name_en: str
    aliases: tuple[str, ...]          # as written in the catalogue
    part_of: str | None = None        # the component it is a part of (a PAPI sub-dimension's dimension)


@dataclass(frozen=True)
class Index:
    id: str
    name_vi: str
    name_en: str
    publisher: str
    unit_kind: tuple[str, ...]
    scale: tuple[float | None, float | None]
    years: str
    ranks: str
    names: tuple[str, ...]            # texts naming the index
    total: tuple[str, ...]            # header texts of its overall score
    rank: tuple[str, ...]             # header texts of its published rank
    components: dict[str, Component]
    benchmark_units: tuple[str, ...]  # aggregate rows of its tables that are not units (EU27 ...)

    def label(self, lang: str = "vi") -> str:
        return self.name_en if lang == "en" else self.name_vi


def _texts(raw: object, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, (str, int)) for x in raw):
        raise ValueError(f"{CATALOGUE_FILE}: {where} must be a list of texts")
    return tuple(str(x) for x in raw)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Index]:
    """Every index of ``indexes.yaml`` by id (ICT, DTI, 766, EGDI, PAPI, PCI, ...)."""
    raw = safe_yaml.load_package_data("dx_metrics.ingest", "indexes.yaml")
    out: dict[str, Index] = {}
    for iid, spec in (raw or {}).get("indexes", {}).items():
        iid = str(iid)
        comps = {}
        for cid, c in (spec.get("components") or {}).items():
            comps[str(cid)] = Component(str(cid), c.get("name_vi", ""), c.get("name_en", ""),
                                        _texts(c.get("aliases"), f"{iid}.components.{cid}.aliases"),
                                        str(c["part_of"]) if c.get("part_of") else None)
        kinds = spec.get("unit_kind", [])
        scale = spec.get("scale") or {}
        out[iid] = Index(iid, spec.get("name_vi", iid), spec.get("name_en", iid), spec.get("publisher", ""),
                         tuple([kinds] if isinstance(kinds, str) else kinds),
                         (scale.get("min"), scale.get("max")), str(spec.get("years", "")),
                         str(spec.get("ranks", "")), _texts(spec.get("names"), f"{iid}.names"),
                         _texts(spec.get("total"), f"{iid}.total"), _texts(spec.get("rank"), f"{iid}.rank"),
                         comps, _texts(spec.get("benchmark_units"), f"{iid}.benchmark_units"))
    return out


def _key(text: object) -> str:
    """A folded text with digits apart from letters ("Un-weighted2015PAPI" -> "un weighted 2015 papi")."""
    return split_glued(fold(text))


@lru_cache(maxsize=1)
def _name_patterns() -> list[tuple[re.Pattern, str]]:
    pats = []
    for iid, ix in catalogue().items():
        for name in ix.names:      # names only: a total's header ("Composite index") may be generic
            k = _key(name)
            if k and not k.isdigit():
                pats.append((re.compile(rf"(?<![a-z0-9]){re.escape(k)}(?![a-z0-9])"), iid))
    return pats


def named_in(texts: list[str]) -> set[str]:
    """The ids of the indexes named anywhere in ``texts`` (titles, header cells, sheet or file
    names). Matching ignores diacritics, case and punctuation and whole words only: "PCI
    2016" names PCI, "PCI ID" too, "Chỉ số PAPI (không có trọng số)" names PAPI."""
    found = set()
    keys = [_key(t) for t in texts if t]
    for pat, iid in _name_patterns():
        if iid not in found and any(pat.search(k) for k in keys):
            found.add(iid)
    return found


def by_components(header_texts: list[str]) -> set[str]:
    """The indexes whose every component is a header here (by its catalogue aliases)."""
    have = {fold(t) for t in header_texts if t}
    out = set()
    for iid, ix in catalogue().items():
        top = [c for c in ix.components.values() if c.part_of is None]
        if top and all(any(fold(a) in have for a in c.aliases) for c in top):
            out.add(iid)
    return out


def resolve(name: str) -> str:
    """The catalogue id for an id or a name ("pci", "Chỉ số PAPI", "EGDI"); ValueError listing
    the catalogue otherwise.

    >>> resolve("pci"), resolve("Chỉ số PAPI"), resolve("Digital Transformation Index")
    ('PCI', 'PAPI', 'DTI')
    """
    cat = catalogue()
    for iid in cat:
        if fold(iid) == fold(name):
            return iid
    hits = named_in([name])
    if len(hits) == 1:
        return hits.pop()
    raise ValueError(f"{name!r} is not an index dx_metrics knows; use one of: {listing()}")


def component_label(index: object, component: object, lang: str = "vi") -> str:
    """A component's name for a report: "Tiếp cận đất đai" for (PCI, land_access); "Tổng" /
    "Overall" for the total; the component as written when the catalogue does not know it.

    >>> component_label("PCI", "land_access"), component_label("EGDI", "total", "en")
    ('Tiếp cận đất đai', 'Overall')
    """
    if component == "total":
        return "Overall" if lang == "en" else "Tổng"
    ix = catalogue().get(str(index))
    comp = ix.components.get(str(component)) if ix is not None else None
    if comp is None:
        return str(component)
    return (comp.name_en if lang == "en" else comp.name_vi) or str(component)


def listing() -> str:
    """ "ICT (Vietnam ICT Index), DTI (...), ..." for messages."""
    return ", ".join(f"{iid} ({ix.name_en})" for iid, ix in catalogue().items())


__all__ = ["Component", "Index", "by_components", "catalogue", "component_label", "listing", "named_in", "resolve"]
