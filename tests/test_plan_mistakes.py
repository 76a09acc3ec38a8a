"""The usual mistakes in a plan file, each refused with what was likely meant, in Vietnamese
first (issue 25). Every plan problem is a code of dx_metrics/problems.yaml with its figures:
``say("vi")`` for the analyst, ``say("en")`` (the ``message`` programs and summary.json read).

The plans are written here, as an analyst who is good at Excel and new to YAML writes them.
"""
from __future__ import annotations

import datetime as dt
import json
import textwrap

import pytest

from conftest import ROOT
from dx_metrics import DxPlanError, load_plan
from dx_metrics import plans
from dx_metrics.errors import WARNING, problem_templates

HEAD = "id: p\ntitle: Kế hoạch thử\nunit: baclieu_dot\nyear: 2025\n"

# a department merged on 01/07/2025 (as in tests/test_composed_figures.py), with its office
MERGED_UNITS = """\
unit_id,name_vi,name_en,kind,parent_id,valid_from,valid_to,successor_id,name_variants
camau_dost_old,Sở Khoa học và Công nghệ tỉnh Cà Mau (trước hợp nhất),Ca Mau Department of Science and Technology (before the merger),department,prov_96,,2025-06-30,camau_dost,Sở Khoa học và Công nghệ|Sở KH&CN Cà Mau
baclieu_dost,Sở Khoa học và Công nghệ tỉnh Bạc Liêu,Bac Lieu Department of Science and Technology,department,prov_95,,2025-06-30,camau_dost,Sở Khoa học và Công nghệ|Sở KH&CN Bạc Liêu
camau_dost,Sở Khoa học và Công nghệ tỉnh Cà Mau,Ca Mau Department of Science and Technology,department,prov2025_96,2025-07-01,,,Sở Khoa học và Công nghệ|Sở KH&CN Cà Mau
camau_dost_office,Văn phòng Sở Khoa học và Công nghệ tỉnh Cà Mau,Department Office,division,camau_dost,2025-07-01,,,Văn phòng Sở|Văn phòng Sở KH&CN
"""


@pytest.fixture
def merged_registry(tmp_path):
    """The bundled registry with the merged department's rows over it (taken away after by conftest)."""
    from dx_metrics import units

    path = tmp_path / "units.csv"
    path.write_text(MERGED_UNITS, encoding="utf-8")
    units.set_overlay(path)
    return path


def _write(folder, text: str, name: str = "plan.yaml"):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _problems(path) -> list:
    with pytest.raises(DxPlanError) as info:
        load_plan(path)
    return info.value.problems


def _one(path):
    (p,) = _problems(path)
    return p


# --- the usual mistakes, as the issue lists them: what the analyst reads, in both languages

USUAL_MISTAKES = [
    # (mistake, plan, key, Vietnamese message, Vietnamese hint, English message)
    ("a misspelt key", HEAD + "taget:\n  - {indicator: online_dossier_share, value: 80%}\n", "taget",
     "không phải là khóa hợp lệ",
     'có phải ý bạn là "targets"? các khóa hợp lệ ở đây: id, inputs, legal_reference, notes, quality, targets, '
     "tasks, title, unit, year",
     "is not a known key"),
    ("a misspelt unit id", HEAD + "targets:\n  - {indicator: online_dossier_share, value: 80%, "
                                  "owner: baclieu_dot_offic}\n", "targets[0].owner",
     "'baclieu_dot_offic' không có trong danh mục đơn vị",
     'có phải ý bạn là "baclieu_dot_office"? cần một mã đơn vị (unit_id) của danh mục; đơn vị mới thì thêm vào '
     "units.csv trong thư mục làm việc ('dx-metrics units suggest FILE' in sẵn các dòng)",
     "'baclieu_dot_offic' is not in the unit registry"),
    ("a name for an id", HEAD.replace("unit: baclieu_dot", "unit: Sở Khoa học và Công nghệ tỉnh Cà Mau"), "unit",
     "'Sở Khoa học và Công nghệ tỉnh Cà Mau' là tên của một đơn vị, không phải mã đơn vị: viết unit: camau_dost",
     "kế hoạch ghi mỗi đơn vị bằng mã (cột unit_id trong units.csv); camau_dost là Sở Khoa học và Công nghệ tỉnh "
     "Cà Mau",
     "'Sở Khoa học và Công nghệ tỉnh Cà Mau' is the name of a unit, not its id: write unit: camau_dost"),
    ("a division's name for an owner's id", HEAD.replace("baclieu_dot", "camau_dost")
     + "tasks:\n  - {id: NV01, title: Số hóa hồ sơ, owner: Văn phòng Sở}\n", "tasks[0].owner",
     "'Văn phòng Sở' là tên của một đơn vị, không phải mã đơn vị: viết owner: camau_dost_office",
     "kế hoạch ghi mỗi đơn vị bằng mã (cột unit_id trong units.csv); camau_dost_office là Văn phòng Sở Khoa học và "
     "Công nghệ tỉnh Cà Mau",
     "'Văn phòng Sở' is the name of a unit, not its id: write owner: camau_dost_office"),
    ("commas in a one-line title", HEAD + "tasks:\n  - {id: NV02, title: Rà soát, tái cấu trúc quy trình, "
                                          "owner: baclieu_dot_office}\n", "tasks[0].title",
     'bị cắt tại dấu phẩy: trong cặp { } viết trên một dòng, dấu phẩy kết thúc nội dung, nên "tái cấu trúc quy '
     'trình" bị đọc thành một khóa riêng',
     'đặt nội dung trong ngoặc kép: title: "Rà soát, tái cấu trúc quy trình"',
     'was cut at a comma: inside { } on one line a comma ends the text, and "tái cấu trúc quy trình" was read as a '
     "key of its own"),
    ("980 for a share", HEAD + "targets:\n  - {indicator: online_dossier_share, value: 980}\n", "targets[0].value",
     "980 không phải tỷ lệ: có phải 98 %?",
     "tỷ lệ nằm trong khoảng 0–100 %: ghi 98%, 0.98 hoặc 98",
     "980 is not a share: did you mean 98 %?"),
    ("a deadline 2025-02-30", HEAD + "tasks:\n  - {id: NV03, title: Báo cáo quý, deadline: 2025-02-30}\n",
     "tasks[0].deadline",
     "'2025-02-30' không phải là ngày",
     "tháng 2/2025 chỉ có 28 ngày: ghi một ngày có thật, ví dụ 28/02/2025",
     "'2025-02-30' is not a date"),
]


@pytest.mark.parametrize("mistake, plan, key, vi, vi_hint, en", USUAL_MISTAKES, ids=[m[0] for m in USUAL_MISTAKES])
def test_the_usual_mistakes_are_said_in_vietnamese_with_the_likely_intent(tmp_path, merged_registry, mistake, plan,
                                                                          key, vi, vi_hint, en):
    p = _one(_write(tmp_path, plan))
    assert (p.column, p.say("vi"), p.hint_said("vi")) == (key, vi, vi_hint)
    assert p.say("en") == p.message == en
    assert p.hint_said("en") == p.hint and p.hint          # summary.json and programs keep the English
    assert p.code.startswith("plan_") and p.reason == "plan" and p.file == "plan.yaml"


# --- every plan problem is coded: a list of bad plans, each problem said in both languages

BAD_PLANS = {
    "not_a_mapping.yaml": "- id\n- title\n",
    "not_yaml.yaml": "id: [unclosed\n",
    "colon.yaml": HEAD.replace("title: Kế hoạch thử", "title: Kế hoạch: năm 2025"),
    "tab.yaml": HEAD + "targets:\n\t- {indicator: online_dossier_share}\n",
    "twice.yaml": HEAD + "year: 2024\n",
    "laughs.yaml": HEAD + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)),
    "deep.yaml": HEAD + "notes: " + "[" * 5000 + "]" * 5000 + "\n",
    "types.yaml": """\
        id: ../x
        unit: [baclieu_dot]
        year: twenty
        notes: {a: 1}
        legal_reference: 37
        bogus: 1
        targets:
          - {indicator: online_share, value: 20%}
          - {indicator: online_dossier_share, comparator: "=>", value: lots}
          - {indicator: accounts_total, value: 150.000}
          - {indicator: on_time_resolution_rate, value: 980, horizons: {2150: 50%, 2030: 120%}}
          - {indicator: online_dossier_share, value: 20%, baseline: {year: 2020, value: -3}}
          - {indicator: online_dossier_share, value: 30%}
          - {indicator: online_dossier_share, value: 40%}
          - {indicator: e_document_share, value: .nan}
          - {indicator: online_payment_rate, value: 105}
          - {indicator: tasks_done_count, value: 5, horizons: {2030: 50%}, baseline: {year: 2020, value: 40%}}
          - {indicator: online_dossier_share, valeu: 20%, owner: Văn phòng Sở}
          - indicator: dossier_tracked_share
            value: 90%
            deadline: 2025-12-31
          - Tỷ lệ hồ sơ trực tuyến
        tasks:
          - {id: T1, title: a, status: finished, deadline: 31/13/2025}
          - {id: T1, title: b, deadline: 2025-02-30, completed_on: 2025-04-31, owner: Phòng Không Có}
          - {id: T2, title: Rà soát, tái cấu trúc, số hóa, owner: baclieu_dot_office}
          - {id: T3}
        inputs:
          - {path: a.xlsx, kind: dosiers}
          - {path: b.xlsx, kind: index_scores, index: Chỉ số hạnh phúc}
          - {path: c.xlsx, kind: dossiers, index: PCI}
          - {path: d.xlsx, kind: services, compare: true}
          - {path: e.xlsx, kidn: dossiers}
        quality:
          over_time: {bnad: 0.5}
        """,
    "folder.yaml/": None,
    "missing.yaml": None,
    "latin1.yaml": None,
}


def _bad_plan_problems(folder) -> list:
    found = []
    for name, text in BAD_PLANS.items():
        path = folder / name.rstrip("/")
        if name.endswith("/"):
            path.mkdir()
        elif name == "latin1.yaml":
            path.write_bytes(HEAD.replace("Kế hoạch thử", "Kế hoạch").encode("utf-8") + b"notes: caf\xe9\n")
        elif text is not None:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        found += _problems(path)
    return found


ENGLISH = (" is not ", " not a ", "missing", " the ", " did you mean", "write ", " known ")


def test_every_plan_problem_has_a_code_and_a_vietnamese_text(tmp_path):
    found = _bad_plan_problems(tmp_path)
    assert len(found) > 45
    templates = problem_templates()
    for p in found:
        assert p.code in templates["problems"], str(p)                  # no problem without a code
        assert p.say("en") == p.message and p.message, str(p)            # programs read the English as before
        vi, vi_hint = p.say("vi"), p.hint_said("vi")
        assert vi and vi != p.message, str(p)
        assert p.hint_code in templates["hints"], str(p)                 # each says how to fix it
        assert p.hint_said("en") == p.hint and vi_hint != p.hint, str(p)
        for text in (vi, vi_hint):                                       # no English left but the figures
            assert not any(word in f" {text}" for word in ENGLISH if word not in str(p.params)), (text, str(p))
        json.dumps(p.to_dict(), ensure_ascii=False)                       # its figures go to summary.json as they are


def test_the_plan_codes_cover_what_load_plan_says(tmp_path):
    # which mistakes the list above exercises: a new check with no bad plan here shows as a code not used
    used = {p.code for p in _bad_plan_problems(tmp_path)}
    plan_codes = {c for c in problem_templates()["problems"] if c.startswith("plan_")}
    said_elsewhere = {"plan_as_of_before_year", "plan_as_of_years_after",       # check_as_of, below
                      "plan_too_large", "plan_unreadable",                      # tests/test_hostile_plans.py; no test
                      "plan_unit_name_of_several", "plan_share_below_0",        # below
                      "plan_key_not_a_year",                                     # the schema never yields it today
                      "plan_not_a_comparator"}                                   # the schema says it first
    assert None not in used and plan_codes
    assert plan_codes - said_elsewhere <= used, sorted(plan_codes - said_elsewhere - used)


def test_the_schema_words_and_hints_are_in_the_catalogue():
    # plan.schema.json keeps its English "title" and "x-hint" for editors; the catalogue says them in
    # both languages under the codes the schema names, and the English is the same text
    from dx_metrics.plans.model import plan_schema

    t = problem_templates()
    seen = 0

    def walk(node):
        nonlocal seen
        if isinstance(node, dict):
            if isinstance(node.get("title"), str) and node is not plan_schema():
                assert t["plan_terms"][node["x-term"]]["en"] == node["title"]
                seen += 1
            if "x-hint" in node:
                keys = ", ".join(node.get("properties", {}))
                assert t["hints"][node["x-hint-code"]]["en"].replace("{keys}", keys) == node["x-hint"]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(plan_schema())
    assert seen > 40
    assert all(set(v) == {"en", "vi"} and v["en"] != v["vi"] for v in t["plan_terms"].values())


# --- did you mean, at every level of the plan

@pytest.mark.parametrize("body, key, suggestion", [
    ("taget:\n  - {indicator: online_dossier_share, value: 80%}\n", "taget", "targets"),
    ("Year2: 2025\n", "Year2", "year"),
    ("targets:\n  - {indicator: online_dossier_share, valeu: 80%}\n", "targets[0].valeu", "value"),
    ("targets:\n  - {indicator: online_dossier_share, value: 80%, comparater: '<='}\n", "targets[0].comparater",
     "comparator"),
    ("tasks:\n  - {id: T1, title: a, deadlin: 2025-12-31}\n", "tasks[0].deadlin", "deadline"),
    ("inputs:\n  - {path: a.xlsx, kidn: dossiers}\n", "inputs[0].kidn", "kind"),
    ("quality:\n  over_time: {bnad: 0.5}\n", "quality.over_time.bnad", "band"),
])
def test_a_misspelt_key_gets_the_key_it_likely_means_at_every_level(tmp_path, body, key, suggestion):
    problems = _problems(_write(tmp_path, HEAD + body))
    p = next(p for p in problems if p.column == key)
    assert p.say("vi") == "không phải là khóa hợp lệ" and p.message == "is not a known key"
    assert p.hint_said("vi").startswith(f'có phải ý bạn là "{suggestion}"? các khóa hợp lệ ở đây: ')
    assert p.hint.startswith(f"did you mean '{suggestion}'? known keys here: ")
    # the key it meant is not said missing as well: one mistake, one message
    assert not [q.column for q in problems if q.code == "plan_key_missing"]


def test_a_key_at_the_wrong_level_says_where_it_belongs(tmp_path):
    # an indicator written at the start of its line, where the plan's own keys are
    p = _one(_write(tmp_path, HEAD + "indicator: online_dossier_share\n"))
    assert p.column == "indicator"
    assert p.hint_said("vi").startswith('"indicator" là khóa của một chỉ tiêu: kiểm tra lại thụt lề của dòng đó; ')
    assert p.hint.startswith("'indicator' is a key of a target: check the indentation of its line; ")


def test_a_key_nothing_resembles_lists_the_known_keys(tmp_path):
    p = _one(_write(tmp_path, HEAD + "targets:\n  - {indicator: online_dossier_share, value: 80%, xyz: 1}\n"))
    assert p.hint_said("vi") == ("các khóa hợp lệ ở đây: baseline, comparator, horizons, indicator, note, owner, unit, "
                                 "value")


# --- commas in a one-line mapping

def test_commas_in_a_one_line_text_are_one_problem_at_the_text_with_the_whole_text_quoted(tmp_path):
    path = _write(tmp_path, HEAD + textwrap.dedent("""\
        targets:
          - {indicator: online_dossier_share, value: 80%, note: Theo KH 37, ngày 23/11/2024}
        tasks:
          - {id: NV02, title: Rà soát, tái cấu trúc, số hóa quy trình, owner: baclieu_dot_office}
        """))
    said = {p.column: (p.say("vi"), p.hint_said("vi"), p.hint) for p in _problems(path)}
    assert said == {
        "targets[0].note": ('bị cắt tại dấu phẩy: trong cặp { } viết trên một dòng, dấu phẩy kết thúc nội dung, nên '
                            '"ngày 23/11/2024" bị đọc thành một khóa riêng',
                            'đặt nội dung trong ngoặc kép: note: "Theo KH 37, ngày 23/11/2024"',
                            'put the text in quotes: note: "Theo KH 37, ngày 23/11/2024"'),
        "tasks[0].title": ('bị cắt tại dấu phẩy: trong cặp { } viết trên một dòng, dấu phẩy kết thúc nội dung, nên '
                           '"tái cấu trúc" bị đọc thành một khóa riêng',
                           'đặt nội dung trong ngoặc kép: title: "Rà soát, tái cấu trúc, số hóa quy trình"',
                           'put the text in quotes: title: "Rà soát, tái cấu trúc, số hóa quy trình"')}
    # as the hint says, or on a line of its own, the same title is read whole
    quoted = _write(tmp_path, HEAD + 'tasks:\n  - {id: NV02, title: "Rà soát, tái cấu trúc quy trình"}\n', "a.yaml")
    block = _write(tmp_path, HEAD + "tasks:\n  - id: NV02\n    title: Rà soát, tái cấu trúc quy trình\n", "b.yaml")
    assert load_plan(quoted).tasks[0].title == load_plan(block).tasks[0].title == "Rà soát, tái cấu trúc quy trình"




# --- units written by their names

def test_a_name_that_several_units_bear_lists_their_ids(tmp_path, merged_registry):
    # "Sở Khoa học và Công nghệ" alone: the merged department and both its predecessors bear it; in
    # 2024 only the two predecessors existed (the merged one from 01/07/2025)
    p = _one(_write(tmp_path, HEAD.replace("2025", "2024").replace("unit: baclieu_dot",
                                                                   "unit: Sở Khoa học và Công nghệ")))
    assert p.say("vi") == "'Sở Khoa học và Công nghệ' là tên của 2 đơn vị, không phải mã đơn vị"
    assert p.hint_said("vi") == ("viết mã của đơn vị bạn muốn: camau_dost_old (Sở Khoa học và Công nghệ tỉnh Cà Mau "
                                 "(trước hợp nhất)), baclieu_dost (Sở Khoa học và Công nghệ tỉnh Bạc Liêu)")
    assert p.hint == ("write the id of the one you mean: camau_dost_old (Ca Mau Department of Science and Technology "
                      "(before the merger)), baclieu_dost (Bac Lieu Department of Science and Technology)")
    assert p.message == "'Sở Khoa học và Công nghệ' is the name of 2 units, not an id"
    # in the year of the merger both Cà Mau departments bore "Sở KH&CN Cà Mau", each for half of it
    p = _one(_write(tmp_path, HEAD.replace("unit: baclieu_dot", "unit: Sở KH&CN Cà Mau")))
    assert p.hint_said("vi").startswith("viết mã của đơn vị bạn muốn: camau_dost_old (")
    assert p.params["count"] == 2 and "camau_dost (Sở Khoa học và Công nghệ tỉnh Cà Mau)" in p.hint_said("vi")


def test_a_name_without_diacritics_or_in_its_short_form_finds_the_id(tmp_path):
    for written in ("So Giao thong van tai tinh Bac Lieu", "Sở GTVT Bạc Liêu"):
        p = _one(_write(tmp_path, HEAD.replace("2025", "2023").replace("unit: baclieu_dot", f"unit: {written}")))
        assert p.say("vi").endswith("là tên của một đơn vị, không phải mã đơn vị: viết unit: baclieu_dot"), written


def test_an_id_in_capitals_is_a_misspelt_id_not_a_name(tmp_path):
    p = _one(_write(tmp_path, HEAD.replace("2025", "2023") + "tasks:\n  - {id: T1, title: a, owner: BACLIEU_DOT_OFFICE}\n"))
    assert p.code == "plan_unknown_unit" and p.hint_said("vi").startswith('có phải ý bạn là "baclieu_dot_office"?')


# --- shares out of 0–100 %

@pytest.mark.parametrize("written, code, vi", [
    ("980", "plan_share_typo", "980 không phải tỷ lệ: có phải 98 %?"),
    ("'980%'", "plan_share_typo", "'980%' không phải tỷ lệ: có phải 98 %?"),
    ("9500", "plan_share_typo", "9500 không phải tỷ lệ: có phải 95 %?"),
    ("105", "plan_share_over_100", "105 không phải tỷ lệ: lớn hơn 100 %"),
    ("100.5", "plan_share_over_100", "100.5 không phải tỷ lệ: lớn hơn 100 %"),
    ("-5", "plan_share_below_0", "-5 không phải tỷ lệ: nhỏ hơn 0 %"),
])
def test_a_share_target_outside_0_to_100_percent_is_refused(tmp_path, written, code, vi):
    p = _one(_write(tmp_path, HEAD + f"targets:\n  - {{indicator: online_dossier_share, value: {written}}}\n"))
    assert (p.column, p.code, p.say("vi")) == ("targets[0].value", code, vi)
    assert p.hint == "a share lies between 0 and 100 %: write it as 98%, 0.98 or 98"


def test_horizons_and_baselines_of_a_share_are_held_to_0_to_100_percent_and_counts_are_not(tmp_path):
    path = _write(tmp_path, HEAD + textwrap.dedent("""\
        targets:
          - {indicator: online_dossier_share, value: 80%, horizons: {2030: 980}, baseline: {year: 2020, value: 150%}}
          - {indicator: accounts_total, value: 980, horizons: {2030: 150000}}
        """))
    said = {p.column: p.say("vi") for p in _problems(path)}
    assert said == {"targets[0].horizons.2030": "980 không phải tỷ lệ: có phải 98 %?",
                    "targets[0].baseline.value": "'150%' không phải tỷ lệ: có phải 15 %?"}
    ok = load_plan(_write(tmp_path, HEAD + "targets:\n  - {indicator: accounts_total, value: 980}\n"
                                           "  - {indicator: online_dossier_share, value: 100}\n"
                                           "  - {indicator: tasks_done_on_time_share, comparator: '<=', value: 0}\n", "ok.yaml"))
    assert [t.value for t in ok.targets] == [980, 1.0, 0.0]


# --- dates

@pytest.mark.parametrize("written, vi_hint", [
    ("2025-02-30", "tháng 2/2025 chỉ có 28 ngày: ghi một ngày có thật, ví dụ 28/02/2025"),
    ("2024-02-30", "tháng 2/2024 chỉ có 29 ngày: ghi một ngày có thật, ví dụ 29/02/2024"),
    ("31/04/2025", "tháng 4/2025 chỉ có 30 ngày: ghi một ngày có thật, ví dụ 30/04/2025"),
    ("2025-13-01", "ghi 2023-12-31 hoặc 31/12/2023"),
    ("ngày mai", "ghi 2023-12-31 hoặc 31/12/2023"),
])
def test_a_date_that_is_not_a_day_says_how_to_write_one(tmp_path, written, vi_hint):
    p = _one(_write(tmp_path, HEAD + f"tasks:\n  - {{id: T1, title: a, deadline: {written}}}\n"))
    assert (p.column, p.say("vi"), p.hint_said("vi")) == ("tasks[0].deadline", f"'{written}' không phải là ngày",
                                                          vi_hint)
    assert p.message == f"'{written}' is not a date"


# --- YAML that cannot be read: where to look, by what PyYAML found

@pytest.mark.parametrize("text, hint", [
    (HEAD.replace("title: Kế hoạch thử", "title: Kế hoạch: năm 2025"),
     'dấu hai chấm và dấu cách trong một nội dung sẽ mở một khóa mới: đặt nội dung trong ngoặc kép, ví dụ '
     'title: "Kế hoạch: năm 2025"'),
    (HEAD + "targets:\n\t- {indicator: online_dossier_share}\n", "thụt lề bằng dấu cách, không dùng phím Tab"),
    (HEAD + "tasks:\n  - {id: T1, title: a\n", "đóng mỗi cặp ngoặc [ ] hoặc { } ngay trên dòng mở nó, và đóng mỗi "
                                               "dấu ngoặc kép"),
])
def test_yaml_that_cannot_be_read_says_what_to_look_for_on_its_line(tmp_path, text, hint):
    p = _one(_write(tmp_path, text))
    assert p.say("vi").startswith("sai cú pháp YAML nên không đọc được (bộ đọc YAML báo: ")
    assert p.message.startswith("is not valid YAML (") and p.hint_said("vi") == hint and p.row is not None


def test_a_key_written_twice_is_said_in_vietnamese_with_both_lines(tmp_path):
    p = _one(_write(tmp_path, HEAD + "targets: []\nyear: 2024\n"))
    assert p.say("vi") == ("không đọc được: khóa 'year' xuất hiện hai lần (dòng 4 và 6); giá trị sau sẽ lặng lẽ thay "
                           "giá trị trước")
    assert p.hint_said("vi") == "giữ lại một trong hai dòng" and p.row == 6


# --- as_of outside the plan year (passed at run time)

def _plan_2025(tmp_path):
    return load_plan(_write(tmp_path, HEAD + "targets:\n  - {indicator: online_dossier_share, value: 80%}\n"))


@pytest.mark.parametrize("as_of", [None, "2025-01-01", "2025-09-30", dt.date(2025, 12, 31), "2026-03-31"])
def test_an_as_of_in_the_plan_year_or_the_year_after_is_not_questioned(tmp_path, as_of):
    # the year after: the plan year is closed, and an index of it is published then
    assert plans.check_as_of(_plan_2025(tmp_path), as_of) is None


def test_an_as_of_before_the_plan_year_is_questioned(tmp_path):
    p = plans.check_as_of(_plan_2025(tmp_path), "2024-09-30")
    assert (p.severity, p.code, p.file, p.value) == (WARNING, "plan_as_of_before_year", "plan.yaml", "2024-09-30")
    assert p.say("vi") == ("ngày số liệu 30/09/2024 không thuộc năm kế hoạch 2025: đến ngày đó chưa có số liệu nào "
                           "của năm 2025, nên không chỉ tiêu nào được đánh giá")
    assert p.hint_said("vi") == ("có phải ý bạn là 30/09/2025? ngày số liệu là ngày cuối cùng số liệu bao quát: một "
                                 "ngày trong năm 2025 để xem lũy kế từ đầu năm, hoặc để trống để đánh giá cả năm")
    assert p.message == ("as_of 30/09/2024 is not in the plan year 2025: nothing of 2025 is known by that day, so no "
                         "target can be judged")


def test_an_as_of_years_after_the_plan_year_is_questioned(tmp_path):
    p = plans.check_as_of(_plan_2025(tmp_path), dt.date(2027, 2, 28))
    assert p.say("vi") == ("ngày số liệu 28/02/2027 không thuộc năm kế hoạch 2025, cũng không thuộc năm liền sau: năm "
                           "2025 được đánh giá như một năm đã kết thúc")
    assert p.hint_said("vi").startswith("có phải ý bạn là 28/02/2025?")
    leap = plans.check_as_of(load_plan(_write(tmp_path, HEAD.replace("2025", "2023"), "p23.yaml")), "2024-02-29")
    assert leap is None
    assert plans.check_as_of(load_plan(_write(tmp_path, HEAD.replace("2025", "2023"), "p23.yaml")),
                       "2028-02-29").params["guess"] == "2023-02-28"


def test_a_report_with_an_as_of_outside_the_plan_year_carries_the_warning(tmp_path):
    from dx_metrics.pipeline import build_plan_report

    r = build_plan_report(_write(tmp_path, HEAD + "targets:\n  - {indicator: online_dossier_share, value: 80%}\n"),
                          as_of="2024-09-30")
    (p,) = [p for p in r.problems if p.code == "plan_as_of_before_year"]
    assert p.severity == WARNING and p.say("vi").startswith("ngày số liệu 30/09/2024 không thuộc năm kế hoạch 2025")
    inside = build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml", as_of="2019-07-31")
    assert not [p for p in inside.problems if p.code and p.code.startswith("plan_as_of")]
