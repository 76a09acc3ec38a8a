"""Hostile and careless plans: each refused with its key, none escapes the output root,
none stops a batch. Files are generated here; nothing large is committed."""
from __future__ import annotations

import contextlib
import io
import json
import textwrap

import pytest

from conftest import ROOT
from dx_metrics import DxPlanError, load_plan
from dx_metrics.cli import main

GOOD = ["baclieu_dot_2022.yaml", "baclieu_dot_2023.yaml", "mot_nq17_2019.yaml"]

HEAD = """\
id: {id}
title: Kế hoạch thử
unit: baclieu_dot
year: 2023
"""

# nine levels of aliases, each repeating the one before nine times: 9^9 values from 300 bytes
BILLION_LAUGHS = HEAD.format(id="laughs").replace("title: Kế hoạch thử\n", "") + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)) + "title: *a9\n"


def _write(folder, name: str, text: str):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _refusal(path) -> dict[str, str]:
    with pytest.raises(DxPlanError) as info:
        load_plan(path)
    return {p.column: p.message for p in info.value.problems}


def test_billion_laughs_is_refused_at_once(tmp_path):
    path = _write(tmp_path, "laughs.yaml", BILLION_LAUGHS)
    with pytest.raises(DxPlanError) as info:     # refused from the node graph, before any expansion
        load_plan(path)
    p = info.value.problems[0]
    assert p.message == "cannot be read: its aliases (*name) expand to more than 100,000 values"
    assert p.file == "laughs.yaml" and p.row is not None


def test_a_huge_plan_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(HEAD.format(id="huge") + "notes: '" + "x" * 1_100_000 + "'\n", encoding="utf-8")
    assert _refusal(path) == {None: "cannot be read: the file is larger than 1,000 kB"}


@pytest.mark.parametrize("extra, key, message", [
    ("legal_reference: {so: 37}\n", "legal_reference", "a mapping is not a legal reference"),
    ("targets:\n  - {indicator: online_dossier_share, value: 20%, owner: [a, b]}\n", "targets[0].owner",
     "a list is not a unit id"),
    ("tasks:\n  - {id: T1, title: a, owner: 5}\n", "tasks[0].owner", "5 is not a unit id"),
    ("targets:\n  - {indicator: online_dossier_share, value: .nan}\n", "targets[0].value",
     "nan is not a target value"),
    ("targets:\n  - {indicator: online_dossier_share, value: .inf}\n", "targets[0].value",
     "inf is not a target value"),
    ("inputs: 5\n", "inputs", "5 is not a list of inputs"),
    ("tasks:\n  - {id: T1, title: a, deadline: 2023-02-30}\n", "tasks[0].deadline", "'2023-02-30' is not a date"),
    ("tasks:\n  - {id: T1, title: a, status: done, completed_on: 2023-13-01}\n", "tasks[0].completed_on",
     "'2023-13-01' is not a date"),
])
def test_every_field_is_type_checked_with_its_key(tmp_path, extra, key, message):
    found = _refusal(_write(tmp_path, "plan.yaml", HEAD.format(id="p") + extra))
    assert found == {key: message}


@pytest.mark.parametrize("plan_id", ["/etc", "../../escape", "..", ".hidden", "a/b", "a\\b", "con:x", "x" * 101])
def test_a_plan_id_that_is_not_a_plain_name_is_refused(tmp_path, plan_id):
    found = _refusal(_write(tmp_path, "plan.yaml", HEAD.format(id=json.dumps(plan_id))))
    assert set(found) == {"id"} and found["id"].endswith("is not a plan id")


def test_plan_messages_name_file_key_and_fix(tmp_path):
    path = _write(tmp_path, "plan.yaml", HEAD.format(id="'../x'"))
    with pytest.raises(DxPlanError) as info:
        load_plan(path)
    assert str(info.value.problems[0]) == (
        "plan.yaml, key \"id\": '../x' is not a plan id (letters, digits, '_', '-' and '.', not starting with '.', "
        "at most 100 characters: the id names the output folder)")


# --- a batch of good plans with bad ones among them ---------------------------------------

BAD_PLANS = {
    "inputs_5.yaml": HEAD.format(id="inputs_5") + "inputs: 5\n",
    "feb_30.yaml": HEAD.format(id="feb_30") + "tasks:\n  - {id: T1, title: a, deadline: 2023-02-30}\n",
    "laughs.yaml": BILLION_LAUGHS,
    "nan_value.yaml": HEAD.format(id="nan_value") + "targets:\n  - {indicator: online_dossier_share, value: .nan}\n",
    "escape.yaml": HEAD.format(id="../../../escaped"),
    "not_yaml.yaml": "id: [unclosed\n",
}


def _stray_workbook(path):
    from conftest import one_stop_rows, unit_row, write_sheet

    write_sheet(path, one_stop_rows([unit_row("Văn phòng Sở", 100, 60), unit_row("Thanh tra Sở", 50, 10)]))
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.active["XFD1048576"] = "x"
    wb.save(path)
    return path


def _tree(folder) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    """3 good plans, the bad plans above, a plan aimed at an existing folder by absolute id,
    one whose output folder is a user's own, and leftovers of an interrupted run, in one
    `dx-metrics run` with 2 workers."""
    base = tmp_path_factory.mktemp("hostile")
    plans, out, victim = base / "plans", base / "out", base / "victim"
    plans.mkdir()
    victim.mkdir()
    (victim / "keep.txt").write_text("analyst's own file", "utf-8")
    for name in GOOD:
        (plans / name).write_text((ROOT / "params" / name).read_text("utf-8"), "utf-8")
    for name, text in BAD_PLANS.items():
        (plans / name).write_text(text, "utf-8")
    (plans / "absolute.yaml").write_text(HEAD.format(id=json.dumps(str(victim))), "utf-8")
    # inputs that once killed the batch or vanished: a far stray cell (read without it), a missing file
    stray = _stray_workbook(base / "stray.xlsx")
    (plans / "stray.yaml").write_text(HEAD.format(id="stray_2023") + f"inputs:\n  - {{path: {json.dumps(str(stray))}, "
                                      "kind: dossiers}\ntargets:\n  - {indicator: online_dossier_share, value: 20%}\n",
                                      "utf-8")
    (plans / "missing.yaml").write_text(HEAD.format(id="missing_2023") + "inputs:\n  - {path: raw/gone.xlsx, "
                                        "kind: dossiers}\n", "utf-8")
    occupied = (ROOT / "params" / "baclieu_dot_2022.yaml").read_text("utf-8").replace(
        "id: baclieu_dot_2022", "id: occupied_2022")
    (plans / "occupied.yaml").write_text(occupied, "utf-8")
    mine = out / "2022" / "occupied_2022"
    mine.mkdir(parents=True)
    (mine / "notes.docx").write_text("not a report", "utf-8")
    # an interrupted earlier run of baclieu_dot_2023: its temp folder (a dead pid) and .old
    stale = out / "2023" / ".baclieu_dot_2023.tmp-999999"
    old = out / "2023" / "baclieu_dot_2023.old"
    for d in (stale, old):
        d.mkdir(parents=True)
        (d / ".dx-metrics-run").write_text("baclieu_dot_2023\n", "utf-8")
    before = {p: _tree(p) for p in (base, ROOT / "params", ROOT / "outputs") if p.exists()}
    before_base = {p.name for p in base.iterdir()}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["run", str(plans), "--out", str(out), "--data", str(ROOT / "data"), "--jobs", "2"])
    return dict(code=code, printed=printed.getvalue(), base=base, out=out, victim=victim, mine=mine, stale=stale, old=old,
                before_base=before_base, before=before)


def test_good_plans_report_and_bad_ones_fail_with_exit_1(hostile_batch, capsys):
    assert hostile_batch["code"] == 1
    out = hostile_batch["out"]
    for year, plan_id in ((2022, "baclieu_dot_2022"), (2023, "baclieu_dot_2023"), (2019, "mot_nq17_2019")):
        summary = json.loads((out / str(year) / plan_id / "summary.json").read_text("utf-8"))
        assert summary["plan_id"] == plan_id
    # the far stray cell is named in the report's data quality, and the table was read:
    # (60 + 10) online of (100 + 50) received = 46,67 %
    summary = json.loads((out / "2023" / "stray_2023" / "summary.json").read_text("utf-8"))
    problems = summary["data_quality"]["problems"]
    assert any(p["reason"] == "stray_cell" and "XFD1048576" in p["message"] for p in problems)
    (target,) = summary["targets"]
    assert (target["numerator"], target["denominator"], target["status"]) == (70, 150, "achieved")


def test_the_batch_table_names_each_failure(hostile_batch):
    printed = hostile_batch["printed"]
    assert "4 ok, 9 failed" in printed and "Traceback" not in printed
    rows = {line.split()[0]: line for line in printed.splitlines() if " failed " in line and "s  " in line}
    assert 'inputs_5.yaml, key "inputs": 5 is not a list of inputs' in rows["inputs_5.yaml"]
    assert "'2023-02-30' is not a date" in rows["feb_30.yaml"]
    assert "expand to more than 100,000 values" in rows["laughs.yaml"]
    assert "nan is not a target value" in rows["nan_value.yaml"]
    assert "'../../../escaped' is not a plan id" in rows["escape.yaml"]
    assert "is not valid YAML" in rows["not_yaml.yaml"]
    assert "is not a plan id" in rows["absolute.yaml"]
    assert "exists and is not a dx_metrics report folder" in rows["occupied_2022"]
    assert "gone.xlsx" in rows["missing_2023"] and "do not exist" in rows["missing_2023"]


def test_nothing_outside_the_output_root_is_written_or_removed(hostile_batch):
    base, victim = hostile_batch["base"], hostile_batch["victim"]
    assert {p.name for p in base.iterdir()} == hostile_batch["before_base"]
    assert _tree(victim) == {"keep.txt"}
    assert not (base.parent / "escaped").exists() and not (base / "escaped").exists()
    for folder, tree in hostile_batch["before"].items():
        if folder != base:
            assert _tree(folder) == tree, folder


def test_a_folder_that_is_not_a_report_is_never_replaced(hostile_batch):
    mine = hostile_batch["mine"]
    assert _tree(mine) == {"notes.docx"}
    assert not (mine.parent / "occupied_2022.failed").exists()


def test_leftovers_of_an_interrupted_run_are_cleaned_by_the_next(hostile_batch):
    assert not hostile_batch["stale"].exists() and not hostile_batch["old"].exists()
    final = hostile_batch["out"] / "2023" / "baclieu_dot_2023"
    assert (final / ".dx-metrics-run").is_file()
    log = (final / "run.log").read_text("utf-8")
    assert "KeyboardInterrupt" not in log and "done in" in log
    assert not (final / "kernel.log").exists()      # the kernel's stderr held only shutdown chatter
    assert [p.name for p in final.parent.iterdir() if p.name.startswith(".")] == []


def test_an_unwritable_output_root_fails_each_run_with_a_reason(tmp_path, capsys):
    blocked = tmp_path / "out"
    blocked.write_text("a file where the output folder should be", "utf-8")
    code = main(["run", str(ROOT / "params" / "baclieu_dot_2022.yaml"), "--out", str(blocked)])
    printed = capsys.readouterr().out
    assert code == 1
    assert "0 ok, 1 failed" in printed and "Traceback" not in printed
    assert "NotADirectoryError" in printed or "FileExistsError" in printed


def test_an_unusable_cache_falls_back_with_one_warning(tmp_path, monkeypatch):
    from dx_metrics.ingest import cache, read_export

    blocked = tmp_path / "cache"
    blocked.write_text("not a folder", "utf-8")
    monkeypatch.setenv("DX_METRICS_CACHE", str(blocked))
    monkeypatch.setattr(cache, "_warned", False)
    with pytest.warns(RuntimeWarning, match="cannot be written") as caught:
        df = read_export(ROOT / "data" / "raw" / "sgtvt_baclieu_mot_cua_2022.xlsx", "dossiers")
        read_export(ROOT / "data" / "raw" / "sgtvt_baclieu_mot_cua_2023.xlsx", "dossiers")
    assert len([w for w in caught if "cache folder" in str(w.message)]) == 1
    assert int(df["received_online"].sum()) == 1200    # seed 002: 1.200 of 6.400 online in 2022


@pytest.mark.parametrize("args, message", [
    (["--notebook", "../../etc/passwd"], "notebook '../../etc/passwd' cannot name"),
    (["--as-of", "2019-07-31/../../x"], "is not a date"),
])
def test_unsafe_run_options_are_refused_before_running(tmp_path, capsys, args, message):
    code = main(["run", str(ROOT / "params" / "baclieu_dot_2022.yaml"), "--out", str(tmp_path), *args])
    assert code == 1 and message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --- a plan-YAML fuzzer: whatever the file holds, load_plan answers with a Plan or DxPlanError

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

KEYS = ["id", "title", "unit", "year", "legal_reference", "inputs", "targets", "tasks", "notes", "indicator", "value",
        "comparator", "owner", "baseline", "horizons", "deadline", "status", "completed_on", "path", "kind", "sheet",
        "period", "bogus"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**25, 10**25), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["2023-02-30", "90%", ".nan", "online_dossier_share",
                                                           "../x", "2023", "31/12/2023", "done", ">="]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
                      max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(st.sampled_from(KEYS), values, max_size=9))
def test_fuzzed_plans_are_loaded_or_refused_never_crash(tmp_path, doc):
    import yaml

    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        plan = load_plan(path)
    except DxPlanError as e:
        assert e.problems and all(p.file == "fuzz.yaml" and p.message for p in e.problems)
        # whatever is refused is a code of problems.yaml, said in Vietnamese, with its hint (issue 25)
        assert all(p.code and p.message == p.say("en") and p.say("vi") != p.message and p.hint_said("vi")
                   for p in e.problems), [str(p) for p in e.problems if not p.code]
        return
    from dx_metrics.paths import NAME

    assert NAME.fullmatch(plan.plan_id) and isinstance(plan.year, int)


def test_a_key_written_twice_is_refused_with_both_lines(tmp_path):
    path = _write(tmp_path, "twice.yaml", HEAD.format(id="twice") + "targets: []\nyear: 2024\n")
    with pytest.raises(DxPlanError) as info:
        load_plan(path)
    (p,) = info.value.problems
    assert p.message == ("cannot be read: the key 'year' appears twice (lines 4 and 6); the second would "
                         "silently replace the first") and p.row == 6


def test_a_plan_nested_thousands_deep_is_refused_not_a_crash(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text(HEAD.format(id="deep") + "notes: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    assert "nested too deeply" in _refusal(path)[None]


def test_a_schedule_that_lists_itself_is_refused(tmp_path, capsys):
    (tmp_path / "sched.yaml").write_text("runs:\n  - plans: [sched.yaml]\n", encoding="utf-8")
    assert main(["run", str(tmp_path / "sched.yaml"), "--out", str(tmp_path / "out")]) == 1
    assert "the schedule lists itself" in capsys.readouterr().err


def test_a_year_folder_linked_elsewhere_is_not_written_through(tmp_path):
    from dx_metrics import paths

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "2023").symlink_to(elsewhere)
    with pytest.raises(ValueError, match="would write outside the output folder"):
        paths.run_dir(tmp_path / "out", 2023, "baclieu_dot_2023")
    assert paths.run_dir(tmp_path / "out", 2024, "baclieu_dot_2024") == tmp_path / "out" / "2024" / "baclieu_dot_2024"


def test_a_report_left_as_old_by_a_kill_between_the_renames_is_put_back(tmp_path):
    # the swap renames <name> to <name>.old, then the new folder to <name>; a kill between the
    # two leaves only <name>.old: the next run of the plan starts by putting it back
    from dx_metrics.runner import _claim

    final = tmp_path / "2023" / "p_2023"
    old = final.with_name("p_2023.old")
    old.mkdir(parents=True)
    (old / ".dx-metrics-run").write_text("p_2023\n", "utf-8")
    (old / "report.html").write_text("last good report", "utf-8")
    _claim(final)
    assert (final / "report.html").read_text("utf-8") == "last good report" and not old.exists()


def test_an_input_without_a_path_is_said_once(tmp_path):
    # the schema says the path is missing; no second, hand-written message says it again
    path = _write(tmp_path, "p.yaml", "id: q\ntitle: T\nunit: baclieu_dot\nyear: 2024\ninputs:\n  - {kind: dossiers}\n")
    with pytest.raises(DxPlanError) as e:
        load_plan(path)
    assert [(p.column, p.message) for p in e.value.problems] == [("inputs[0].path", "is missing")]


@pytest.mark.parametrize("year, refused", [(1999, True), (2000, False), (2100, False), (2101, True), ("true", True)])
def test_a_plan_year_from_2000_to_2100(tmp_path, year, refused):
    path = _write(tmp_path, "p.yaml", f"id: q\ntitle: T\nunit: baclieu_dot\nyear: {year}\n")
    if not refused:
        assert load_plan(path).year == year
        return
    with pytest.raises(DxPlanError) as e:
        load_plan(path)
    assert [p.column for p in e.value.problems] == ["year"] and "is not a year" in e.value.problems[0].message


def _one_target(tmp_path, indicator: str, value: str, extra: str):
    return _write(tmp_path, "p.yaml", HEAD.format(id="p") + textwrap.dedent(f"""\
        targets:
          - indicator: {indicator}
            comparator: ">="
            value: {value}
        """) + extra)


def test_a_baseline_or_horizon_not_in_the_indicators_unit_is_refused_at_its_key(tmp_path):
    # a count's baseline and horizon written as shares: each named once, at its own key
    path = _one_target(tmp_path, "tasks_done_count", "12", "    baseline: {year: 2020, value: 40%}\n"
                                                          "    horizons: {2025: 50%}\n")
    assert _refusal(path) == {"targets[0].baseline.value": "'40%' is not a value for this indicator",
                              "targets[0].horizons.2025": "'50%' is not a target value for a year"}
    # the same written for a share is read: 40 % in 2020, 50 % by 2025
    ok = load_plan(_one_target(tmp_path, "online_dossier_share", "12%", "    baseline: {year: 2020, value: 40%}\n"
                                                                       "    horizons: {2025: 50%}\n"))
    t = ok.targets[0]
    assert (t.baseline_year, t.baseline_value, t.horizons) == (2020, 0.40, {2025: 0.50})


def test_a_baseline_without_its_value_and_an_unknown_kind_are_each_said_once(tmp_path):
    path = _one_target(tmp_path, "online_dossier_share", "12%", "    baseline: {year: 2020}\n"
                                                               "inputs:\n  - {path: a.xlsx, kind: dosiers}\n")
    with pytest.raises(DxPlanError) as info:
        load_plan(path)
    said = [(p.column, p.message) for p in info.value.problems]
    assert sorted(said) == [("inputs[0].kind", "'dosiers' is not a table kind"),
                            ("targets[0].baseline.value", "is missing")]


def test_a_misspelt_unit_is_refused_with_the_registrys_closest_id(tmp_path):
    path = _one_target(tmp_path, "online_dossier_share", "12%", "    owner: baclieu_dot_offic\n")
    with pytest.raises(DxPlanError) as info:
        load_plan(path)
    (p,) = info.value.problems
    assert (p.column, p.message) == ("targets[0].owner", "'baclieu_dot_offic' is not in the unit registry")
    assert p.hint.startswith("did you mean 'baclieu_dot_office'? a unit_id of the registry")


def test_a_loaded_plan_cannot_be_changed_by_a_notebook_cell_by_accident():
    import dataclasses

    plan = load_plan(ROOT / "params" / "baclieu_dot_2023.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.year = 2024
    for item, field in ((plan.targets[0], "value"), (plan.tasks[0], "status"), (plan.inputs[0], "path")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(item, field, None)


def test_a_long_value_in_a_message_is_cut_at_80_characters():
    from dx_metrics.plans.model import _short

    assert _short("x" * 80) == "x" * 80
    assert _short("x" * 81) == "x" * 79 + "…" and len(_short("y" * 500)) == 80
    assert _short(["a", 1]) == "['a', 1]"


@pytest.mark.parametrize("horizons, key", [("{true: 80%}", "True"), ("{~: 80%}", "None"), ("{2025.5: 80%}", "2025.5"),
                                           ("{-5: 80%}", "-5"), ("{2150: 80%}", "2150"), ("{25: 80%}", "25")])
def test_a_horizon_keyed_by_something_not_a_year_is_refused(tmp_path, horizons, key):
    # found by review: YAML keys that are not text (2150, true, ~) pass the schema's year pattern,
    # which sees text keys only, and were dropped without a word
    path = _one_target(tmp_path, "online_dossier_share", "12%", f"    horizons: {horizons}\n")
    assert _refusal(path) == {f"targets[0].horizons.{key}": "is not a year (1900–2099)"}


def test_a_horizon_the_schema_refuses_is_said_once_and_mixed_keys_do_not_crash(tmp_path):
    # the schema and the plan's own checks spell a year key alike: one message, not two
    one = _one_target(tmp_path, "online_dossier_share", "12%", "    horizons: {2030: x}\n")
    assert _refusal(one) == {"targets[0].horizons.2030": "'x' is not a target value"}
    # keys of two types in one mapping once crashed the schema's cache marker (json.dumps sort_keys)
    mixed = _one_target(tmp_path, "online_dossier_share", "12%", "    horizons: {2025: 80%, abc: 90%}\n")
    assert _refusal(mixed) == {"targets[0].horizons": "'abc' is not valid here"}
    assert load_plan(_one_target(tmp_path, "online_dossier_share", "12%", "    horizons: {2030: 90%}\n")
                     ).targets[0].horizons == {2030: 0.9}


@pytest.mark.parametrize("section, value, said", [("targets", "5", "5 is not a list of targets"),
                                                  ("tasks", "abc", "'abc' is not a list of tasks"),
                                                  ("inputs", "{a: 1}", "a mapping is not a list of inputs")])
def test_a_section_that_is_not_a_list_is_refused_at_its_key(tmp_path, section, value, said):
    path = _write(tmp_path, "p.yaml", HEAD.format(id="p") + f"{section}: {value}\n")
    assert _refusal(path) == {section: said}
