"""The plan evaluation as the administrative report a director signs (``report.docx``).

Laid out as Decree 30/2020/NĐ-CP prescribes for administrative documents: A4; margins top and
bottom 20 mm, left 30 mm, right 15 mm (within the decree's 20–25, 30–35 and 15–20 mm);
Times New Roman, body in 14 pt; the header block with the issuing body under its parent on the
left and the national name and motto on the right, the number and symbol and the place and
date left as fields to fill ("Số: …/BC-…", "…, ngày … tháng … năm …"); the title; the body;
recipients ("Nơi nhận") and the signature block as fields. The body is generated from the
evaluation: the general assessment (counts of targets by status and of tasks), a results table
(indicator, target, result, gap, status), the overdue tasks by owner, the data's limitations
(rejected rows, the data quality review's flags, provisional units), and a marked placeholder
for the directions and proposals only the author can write.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from dx_metrics import notes
from dx_metrics.formats import fmt_number, fmt_percent, fmt_period, fmt_points
from dx_metrics.registry import share_ids
from dx_metrics.pipeline import PlanReport
from dx_metrics.report.labels import STATUS, TEXT, check_lang
from dx_metrics.report.headline import caveat_text, headline
from dx_metrics.report.tables import indicator_name, pace_text
from dx_metrics.text import xml_safe
from dx_metrics.units import ancestors, kind_of, unit_names
from dx_metrics.context import in_its_context

FONT = "Times New Roman"
BODY_PT = 14
LANGUAGE = {"vi": "vi-VN", "en": "en-US"}
# Decree 30/2020/NĐ-CP, Appendix I: the header block is a table of two columns across the text
# width (210 − 30 − 15 mm); the right one holds "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in 12 pt bold
# on one line (88 mm of Times New Roman Bold; the header cells keep 0,5 mm margins, and the right
# column leaves room for a reader whose font draws some marked capitals wider)
HEADER_MM = (70, 95)
CELL_MARGINS_MM = 1.0
# advance widths of Times New Roman Bold capitals (1/1000 em; Liberation Serif Bold has the same
# metrics), to set an issuing body's name on lines that fit its cell, split between words
_BOLD_CAPS = {"A": 722, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 778, "I": 389, "J": 500,
              "K": 778, "L": 667, "M": 944, "N": 722, "O": 778, "P": 611, "Q": 778, "R": 722, "S": 556, "T": 667,
              "U": 722, "V": 722, "W": 1000, "X": 722, "Y": 722, "Z": 667, "Đ": 722, " ": 250, "&": 833, ".": 250,
              ",": 250, "-": 333, "(": 333, ")": 333}
PAGE = {"width": Mm(210), "height": Mm(297), "top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
SHOWN_FLAGS = 10          # the review's flags listed in the document; the workbook has them all

def _words() -> dict[str, dict]:
    """``document.yaml`` (one entry per word, both languages beside each other) as {lang: {word: text}}."""
    from dx_metrics import safe_yaml

    by_word = safe_yaml.load_package_data("dx_metrics.report", "document.yaml")
    return {lang: {word: texts[lang] for word, texts in by_word.items()} for lang in ("vi", "en")}


WORDS = _words()


@in_its_context
def write_docx(r: PlanReport, path: str | Path, *, lang: str = "vi") -> Path:
    """Write the report document; the file is replaced only once complete."""
    from dx_metrics import paths

    check_lang(lang)
    doc = _document()
    _header_block(doc, r, lang)
    _title(doc, r, lang)
    _general(doc, r, lang)
    _results(doc, r, lang)
    _overdue(doc, r, lang)
    _limits(doc, r, lang)
    _heading(doc, WORDS[lang]["directions"])
    _paragraph(doc, WORDS[lang]["placeholder"], highlight=True)
    _signature_block(doc, lang)
    _language(doc, lang)
    path = Path(path)
    paths.write_atomically(path, lambda p: doc.save(str(p)))
    return path


def _document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE["width"], PAGE["height"]
    section.top_margin, section.bottom_margin = PAGE["top"], PAGE["bottom"]
    section.left_margin, section.right_margin = PAGE["left"], PAGE["right"]
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    normal.paragraph_format.space_after = Pt(6)
    _page_numbers(section)
    return doc


def _page_numbers(section) -> None:
    """Page numbers in Arabic figures, centred in the top margin, from the second page on
    (Decree 30/2020, Appendix I: the first page shows none), 14 pt."""
    from docx.oxml import OxmlElement

    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(2 * BODY_PT))
    props.append(size)
    text = OxmlElement("w:t")
    text.text = "2"
    run.extend([props, text])
    field.append(run)
    p._p.append(field)


def _language(doc: Document, lang: str) -> None:
    """Every run of text, in the body, the tables and the header, marked with the report's
    language, so Word and LibreOffice spell-check Vietnamese as Vietnamese."""
    from docx.oxml import OxmlElement

    code = LANGUAGE[lang]
    parts = [doc.element.body, doc.styles.element,
             *(s.header._element for s in doc.sections), *(s.first_page_header._element for s in doc.sections)]
    for part in parts:
        for run in [*part.iter(qn("w:r")), *part.iter(qn("w:rPrDefault")), *part.iter(qn("w:style"))]:
            props = run.find(qn("w:rPr"))
            if props is None:
                props = OxmlElement("w:rPr")
                run.insert(0, props)
            mark = props.find(qn("w:lang"))
            if mark is None:
                mark = OxmlElement("w:lang")
                props.append(mark)
            mark.set(qn("w:val"), code)
            mark.set(qn("w:eastAsia"), code)


def _bodies(unit_id: str) -> tuple[str | None, str, str]:
    """(the parent body as the header writes it, the issuing unit, the place) for ``unit_id``:
    "UBND TỈNH BẠC LIÊU", "SỞ GIAO THÔNG VẬN TẢI", "Bạc Liêu"."""
    name = str(unit_names(pd.Series([unit_id])).iloc[0])
    up = ancestors(unit_id)
    parent_id = up[0] if up else None
    parent = str(unit_names(pd.Series([parent_id])).iloc[0]) if parent_id else None
    place = "…"
    if parent_id and kind_of(parent_id) == "province":
        place = re.sub(r"^(Tỉnh|Thành phố)\s+", "", parent)
        name = re.sub(rf"\s+(tỉnh|thành phố)\s+{re.escape(place)}$", "", name, flags=re.IGNORECASE)
        parent = f"UBND {parent}"
    elif kind_of(unit_id) == "province":
        place = re.sub(r"^(Tỉnh|Thành phố)\s+", "", name)
        name = f"UBND {name}"
    return (parent.upper() if parent else None), name.upper(), place


def _widths(table, widths_mm: list[int]) -> None:
    """Fixed column widths (Word reads the cells', LibreOffice the grid's: both are set)."""
    table.autofit = False
    for i, mm in enumerate(widths_mm):
        table.columns[i].width = Mm(mm)
        for cell in table.columns[i].cells:
            cell.width = Mm(mm)


def _cell_lines(cell, lines: list[tuple], size: int = 13) -> None:
    """Lines (text, bold, italic[, size]) centred in a header cell."""
    cell.paragraphs[0].text = ""
    for i, (text, bold, italic, *sized) in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run(xml_safe(text))
        run.bold, run.italic, run.font.size = bold, italic, Pt(sized[0] if sized else size)


def caps_mm(text: str, size: float) -> float:
    """The width of capitals in Times New Roman Bold at ``size`` points, in mm (a letter with a
    mark as wide as its base letter)."""
    import unicodedata

    units = sum(_BOLD_CAPS.get(unicodedata.normalize("NFD", ch)[0], 722) for ch in text)
    return units / 1000 * size * 25.4 / 72


def name_lines(name: str, width_mm: float, size: float) -> list[str]:
    """A body's name on as few lines as fit ``width_mm``, split only between words and as evenly
    as possible ("SỞ NÔNG NGHIỆP VÀ" / "PHÁT TRIỂN NÔNG THÔN"), so no line wraps by itself in
    the middle of a word.

    >>> name_lines("SỞ KHOA HỌC VÀ CÔNG NGHỆ", 60, 13)
    ['SỞ KHOA HỌC', 'VÀ CÔNG NGHỆ']
    >>> name_lines("SỞ GIAO THÔNG VẬN TẢI", 68, 13)
    ['SỞ GIAO THÔNG VẬN TẢI']
    """
    words = name.split()
    for n in range(1, len(words) + 1):
        best = None
        for cuts in _splits(len(words), n):
            lines = [" ".join(words[a:b]) for a, b in zip((0, *cuts), (*cuts, len(words)))]
            widest = max(caps_mm(x, size) for x in lines)
            if widest <= width_mm and (best is None or widest < best[0]):
                best = (widest, lines)
        if best is not None:
            return best[1]
    return words


def _splits(n: int, parts: int):
    """Every way to cut ``n`` words into ``parts`` non-empty lines (the cut positions)."""
    from itertools import combinations

    return combinations(range(1, n), parts - 1)


def _header_block(doc: Document, r: PlanReport, lang: str) -> None:
    """The header block of Decree 30/2020, Appendix I: the body above and the issuing body
    (12–13 pt, the issuer bold), the number (13 pt); the national name (12–13 pt bold), the
    motto (13–14 pt bold), the place and date (13–14 pt italic)."""
    w = WORDS[lang]
    parent, unit, place = _bodies(r.plan.unit_id)
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    usable = HEADER_MM[0] - CELL_MARGINS_MM
    left = ([(line, False, False, 13) for line in name_lines(parent, usable, 13)] if parent else []) \
        + [(line, True, False, 13) for line in name_lines(unit, usable, 13)] \
        + [("―――――", False, False, 13), (w["number"], False, False, 13)]
    _cell_lines(table.cell(0, 0), left)
    _cell_lines(table.cell(0, 1), [(w["nation"], True, False, 12), (w["motto"], True, False, 13),
                                   ("―――――――――", False, False, 13), (w["date"].format(place=place), False, True, 13)])
    _widths(table, list(HEADER_MM))
    _cell_margins(table, CELL_MARGINS_MM / 2)


def _cell_margins(table, mm: float) -> None:
    """The table's left and right cell margins (Word's default is 1,9 mm)."""
    from docx.oxml import OxmlElement

    props = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(round(mm / 25.4 * 1440)))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    props.append(margins)


def _paragraph(doc: Document, text: str, *, bold: bool = False, italic: bool = False, center: bool = False,
               highlight: bool = False, size: int = BODY_PT):
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    else:
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.first_line_indent = Mm(10)
    run = p.add_run(xml_safe(text))
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if highlight:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return p


def _heading(doc: Document, text: str) -> None:
    p = _paragraph(doc, text, bold=True)
    p.paragraph_format.first_line_indent = Mm(0)
    p.paragraph_format.space_before = Pt(6)


def _title(doc: Document, r: PlanReport, lang: str) -> None:
    w = WORDS[lang]
    _paragraph(doc, "", center=True)
    _paragraph(doc, w["title"], bold=True, center=True)
    title = r.plan.title
    if lang == "vi" and title[:1].isupper() and title.split()[0] in ("Kế", "Chương"):
        title = title[0].lower() + title[1:]        # "Kết quả thực hiện kế hoạch ..."
    _paragraph(doc, w["subtitle"].format(title=title), bold=True, center=True)
    if r.plan.legal_reference:
        _paragraph(doc, w["basis"].format(ref=r.plan.legal_reference))      # body text (Decree 30/2020)


def _general(doc: Document, r: PlanReport, lang: str) -> None:
    w = WORDS[lang]
    _heading(doc, w["general"])
    counts = r.evaluation["status"].value_counts()
    parts = [f"{int(counts[s])} {STATUS[lang][s].lower()}" for s in STATUS[lang] if s in counts]
    _paragraph(doc, w["targets_count"].format(n=len(r.evaluation), parts=", ".join(parts)))
    rows = headline(r, lang)
    for h in rows:          # each target's figure, its span and status, and what lies under it
        _paragraph(doc, f"- {h['indicator']}: {h['figure']} — {h['status']}"
                        + (f" ({'; '.join(h['caveats'])})" if h["caveats"] else "") + ".")
    if any(h["caveats"] for h in rows):
        _paragraph(doc, TEXT[lang]["caveat_note"], italic=True)
    tc = r.task_counts
    if tc["total"]:
        _paragraph(doc, w["tasks_count"].format(n=tc["total"], done=tc["by_status"]["done"], overdue=tc["overdue"],
                                                no_deadline=tc["no_deadline"]))
    if r.as_of is not None:
        _paragraph(doc, w["as_of"].format(date=f"{r.as_of:%d/%m/%Y}"), italic=True)


def target_cells(row: pd.Series, lang: str) -> list[str]:
    """The results table's cells for one target: indicator, target, result, gap, status."""
    share = row["indicator_id"] in share_ids()
    comparator = {">=": "≥ ", "<=": "≤ ", "==": "= "}.get(str(row["comparator"]), "")

    def figure(x):
        return fmt_percent(x, lang=lang) if share else fmt_number(x, digits=0 if pd.isna(x) or float(x).is_integer()
                                                                   else 2, lang=lang)
    w = WORDS[lang]
    value = figure(row["projected"] if pd.notna(row["projected"]) else row["actual"])
    span = row.get("basis_period") if pd.notna(row.get("basis_period")) else row.get("span")
    if pd.notna(row["actual"]) and pd.notna(span):      # every figure says which months it covers
        projected = pd.notna(row["projected"]) and abs(float(row["projected"]) - float(row["actual"])) > 1e-12
        value = w["projected" if projected else "spanned"].format(value=value, span=fmt_period(span, lang=lang))
    gap = fmt_points(row["gap"], lang=lang) if share and pd.notna(row["gap"]) \
        else figure(row["gap"]) if pd.notna(row["gap"]) else "—"
    # a share target at the precision the plan wrote it: 20 % -> "20%", 72,5 % -> "72,5%" (never "73%")
    digits = next((d for d in (0, 1) if pd.notna(row["target"])
                   and abs(row["target"] * 10 ** (2 + d) - round(row["target"] * 10 ** (2 + d))) < 1e-9), 2)
    target = fmt_percent(row["target"], digits=digits, lang=lang) if share else figure(row["target"])
    # a gap is one block: "−4,30 điểm %" never wraps between the figure and its unit
    return [indicator_name(row["indicator_id"], lang), comparator + target, value, gap.replace(" ", "\u00a0"),
            STATUS[lang][row["status"]]]


def _table(doc: Document, header: list[str], rows: list[list[str]], widths_mm: list[int]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for i, text in enumerate(header):
        cell = table.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(xml_safe(text))
        run.bold, run.font.size = True, Pt(12)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _repeat_as_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for i, text in enumerate(values):
            cells[i].text = ""
            run = cells[i].paragraphs[0].add_run(xml_safe(text))
            run.font.size = Pt(12)
    _widths(table, widths_mm)


def _repeat_as_header(row) -> None:
    """The table's first row repeated at the top of each page it runs onto."""
    from docx.oxml import OxmlElement

    props = row._tr.get_or_add_trPr()
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    props.append(mark)


def _results(doc: Document, r: PlanReport, lang: str) -> None:
    w = WORDS[lang]
    _heading(doc, w["results"])
    rows = [[str(i), *target_cells(row, lang)] for i, (_, row) in enumerate(r.evaluation.iterrows(), start=1)]
    _table(doc, w["columns"], rows, [10, 47, 22, 33, 29, 24])
    counted = r.evaluation[r.evaluation["units_counted"].notna()] if "units_counted" in r.evaluation else []
    if len(counted):
        _paragraph(doc, w["counted"])
        for _, row in counted.iterrows():
            said = [n for n in notes.decode(row["note_codes"]) if n["code"] == "units_counted"]
            _paragraph(doc, f"- {indicator_name(row['indicator_id'], lang)}: {notes.say(said, lang)}.")
    paced = r.evaluation[r.evaluation["required_pace"].notna()]
    if len(paced):
        _paragraph(doc, w["pace"])
        for _, row in paced.iterrows():
            _paragraph(doc, f"- {indicator_name(row['indicator_id'], lang)}: {pace_text(row, lang)}.")


def _overdue(doc: Document, r: PlanReport, lang: str) -> None:
    w = WORDS[lang]
    _heading(doc, w["overdue"])
    late = r.tasks[r.tasks["overdue"]].sort_values(["owner_unit", "deadline"], kind="stable")
    if late.empty:
        _paragraph(doc, w["no_overdue"])
        return
    owners = unit_names(late["owner_unit"].astype("string"), lang=lang)
    rows = [[str(i), str(t), str(o), f"{d:%d/%m/%Y}" if pd.notna(d) else "—"]
            for i, (t, o, d) in enumerate(zip(late["title"], owners, late["deadline"]), start=1)]
    _table(doc, w["task_columns"], rows, [13, 84, 44, 24])


def _limits(doc: Document, r: PlanReport, lang: str) -> None:
    w = WORDS[lang]
    _heading(doc, w["limits"])
    said = False
    # each reading counts the rows it left out (one problem may stand for many rows)
    rejected = sum(int(s.get("rejected_rows") or 0) for s in r.sources)
    if rejected:
        _paragraph(doc, w["rejected"].format(n=fmt_number(rejected, lang=lang)))
        said = True
    if r.quality is not None and r.quality.flag_count:
        # in plain words (what, whose, when); the rule, figures and thresholds are in the workbook
        plain = list(dict.fromkeys(caveat_text(f, lang) for _, f in r.quality.flags.iterrows()))
        _paragraph(doc, w["flags"].format(n=len(plain)))
        for text in plain[:SHOWN_FLAGS]:
            _paragraph(doc, f"- {text}.")
        if len(plain) > SHOWN_FLAGS:
            _paragraph(doc, w["more_flags"].format(n=len(plain) - SHOWN_FLAGS))
        said = True
    provisional = [u for s in r.sources for u in s.get("provisional_units", [])]
    if provisional:
        names = ", ".join(unit_names(pd.Series(sorted(set(provisional)), dtype="string"), lang=lang).astype(str))
        _paragraph(doc, w["provisional"].format(names=names))
        said = True
    if not said:
        _paragraph(doc, w["no_limits"])


def _signature_block(doc: Document, lang: str) -> None:
    w = WORDS[lang]
    doc.add_paragraph()
    table = doc.add_table(rows=1, cols=2)
    left, right = table.cell(0, 0), table.cell(0, 1)
    left.paragraphs[0].text = ""
    run = left.paragraphs[0].add_run(w["recipients"])
    run.bold, run.italic, run.font.size = True, True, Pt(12)
    for line in w["recipient_lines"]:
        p = left.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        p.add_run(line).font.size = Pt(11)
    _cell_lines(right, [(w["signer"], True, False), (w["sign_hint"], False, True), ("", False, False),
                        ("", False, False), ("", False, False), (w["name"], True, False)], size=14)
    _widths(table, [80, 85])
