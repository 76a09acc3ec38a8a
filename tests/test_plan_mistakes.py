"""The usual mistakes in a plan file, each refused with what was likely meant, in Vietnamese
first (issue 25). Every plan problem is a code of dx_metrics/problems.yaml with its figures:
``say("vi")`` for the analyst, ``say("en")`` (the ``message`` programs and summary.json read).

The plans are written here, as an analyst who is good at Excel and new to YAML writes them.
"""
from __future__ import annotations

import json
import textwrap

import pytest

from dx_metrics import DxPlanError, load_plan
from dx_metrics.errors import problem_templates

HEAD = "id: p\ntitle: Kế hoạch thử\nunit: baclieu_dot\nyear: 2025\n"


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
    assert len(found) > 40
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
