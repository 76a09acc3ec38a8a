"""An executed notebook as a self-contained HTML report: no code, nothing fetched online."""
from __future__ import annotations

from pathlib import Path

import nbformat

TEMPLATES = Path(__file__).resolve().parent / "templates"
_EXPORTERS: dict = {}


def notebook_to_html(notebook: str | Path | nbformat.NotebookNode, html: str | Path, *, title: str | None = None,
                     lang: str = "vi") -> Path:
    """Render ``notebook`` (a file, or an executed notebook in memory) to ``html`` with code cells
    and prompts hidden; the page says its language (``<html lang="vi">``) so browsers and screen
    readers read Vietnamese as such."""
    if isinstance(notebook, nbformat.NotebookNode):
        nb = nbformat.from_dict(notebook)      # a copy: the title is the page's, not the notebook's
    else:
        nb = nbformat.read(str(notebook), as_version=4)
    if title:
        nb.metadata["title"] = title
    body, _ = _exporter(lang).from_notebook_node(nb)
    html = Path(html)
    html.write_text(body, encoding="utf-8")
    return html


def _exporter(lang: str):
    """The HTML exporter for pages in ``lang``, made once per process: its template is compiled
    once, not once per report of a batch."""
    if lang not in _EXPORTERS:
        from nbconvert import HTMLExporter

        _EXPORTERS[lang] = HTMLExporter(template_name="dx_report", extra_template_basedirs=[str(TEMPLATES)],
                                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                                        embed_images=True, language_code=lang)
    return _EXPORTERS[lang]
