"""What the command line says, in the reader's language, from one coded catalogue.

Every sentence ``dx-metrics`` prints, its help texts and the reasons of a failed run are codes
of ``messages.yaml`` with their figures, said in Vietnamese (the default) or English. Programs
read the codes and figures (``summary.json``, exit codes); people read the sentences. The
reports say their own words from ``notes.yaml``, ``problems.yaml`` and ``report/labels.py``;
a problem found in a file says itself in either language (``Problem.text``).

The language: ``--lang`` where a command takes it, else ``DX_METRICS_LANG``, else ``lang:`` in
the workspace's ``dx-workspace.yaml``, else Vietnamese.
"""
from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

LANGS = ("vi", "en")


@lru_cache(maxsize=1)
def catalogue() -> dict:
    from dx_metrics import safe_yaml

    return safe_yaml.load_package_data("dx_metrics", "messages.yaml")


def language(given: str | None = None, *, folder: str | Path | None = None) -> str:
    """The language to speak: ``given`` (a command's --lang), else ``DX_METRICS_LANG``, else the
    ``lang:`` of the workspace of ``folder`` (default: the current folder), else "vi"."""
    from dx_metrics import settings

    if given in LANGS:
        return given
    set_ = settings.value("DX_METRICS_LANG")
    if set_ is not None:
        return set_
    return workspace_language(folder) or "vi"


def workspace_language(folder: str | Path | None = None) -> str | None:
    """``lang:`` of the workspace's dx-workspace.yaml, when it says vi or en."""
    from dx_metrics import safe_yaml, workspace

    ws = workspace.find(Path(folder) if folder is not None else Path.cwd())
    marker = ws.root / workspace.MARKER if ws is not None else None
    if marker is None or not marker.is_file():
        return None
    try:
        data = safe_yaml.load_file(marker)
    except Exception:  # noqa: BLE001 - a marker that cannot be read says no language
        return None
    lang = data.get("lang") if isinstance(data, dict) else None
    return lang if lang in LANGS else None


def say(code: str, lang: str = "vi", **figures) -> str:
    """The sentence ``code`` in ``lang`` with its ``figures`` filled in."""
    texts = catalogue()["cli"]
    if code not in texts:
        raise KeyError(f"unknown message code {code!r} (dx_metrics/messages.yaml)")
    return texts[code][lang].format(**figures)


def help_text(code: str, lang: str = "vi", **figures) -> str:
    """A help text of the command line (``help`` section)."""
    return catalogue()["help"][code][lang].format(**figures)


def fields(code: str, section: str = "cli") -> dict[str, set[str]]:
    """The figures each language's text of ``code`` uses (a test checks both use the same)."""
    texts = catalogue()[section][code]
    return {lang: {f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f} for lang in LANGS}
