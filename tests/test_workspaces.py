"""Installed anywhere, any unit, any period: workspaces, a quarter of an unregistered
department, reasons for every "no data", and runs that refuse to say nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT
from dx_metrics import DxPlanError, load_plan
from dx_metrics.cli import main
from test_units_in_context import camau_q3

pytestmark = pytest.mark.notebook


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """dx_metrics built as a wheel and installed (not editable) into a folder of its own;
    its console script runs on this environment's Python with that folder first on the path."""
    site = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    env = dict(os.environ, PYTHONPATH=str(site))
    env.pop("DX_METRICS_CACHE", None)
    env["DX_METRICS_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    return site, env


def _cli(installed, cwd, *args, check=True):
    site, env = installed
    run = subprocess.run([sys.executable, str(site / "bin" / "dx-metrics"), *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=600)
    if check:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


def test_an_installed_copy_works_from_any_folder(installed, tmp_path):
    site, env = installed
    where = subprocess.run([sys.executable, "-c", "import dx_metrics; print(dx_metrics.__file__)"], env=env,
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(site))                      # the installed copy, not the repository
    _cli(installed, tmp_path, "init", "ws")
    ws = tmp_path / "ws"
    assert (ws / "params" / "sample_plan.yaml").is_file() and (ws / "README.md").is_file()
    out = _cli(installed, ws, "validate", "data/raw/sgtvt_baclieu_mot_cua_2023.xlsx").stdout
    assert "4 valid row(s), 0 error(s)" in out
    _cli(installed, ws / "params", "run", "sample_plan.yaml")
    summary = json.loads((ws / "outputs" / "2023" / "sample_2023" / "summary.json").read_text("utf-8"))
    share = next(t for t in summary["targets"] if t["indicator_id"] == "online_dossier_share")
    # sample 2023: 2.076 online of 6.800 received = 30,53 % against 20 %
    assert (share["numerator"], share["denominator"], share["status"]) == (2076, 6800, "achieved")
    html = (ws / "outputs" / "2023" / "sample_2023" / "report.html").read_text("utf-8")
    assert "30,53" in html
    head = subprocess.run(f"'{sys.executable}' '{site / 'bin' / 'dx-metrics'}' indicators | head -1", shell=True,
                          env=env, cwd=tmp_path, capture_output=True, text=True)
    assert head.stdout.startswith("indicator_id") and "Traceback" not in head.stderr


def test_an_installed_copy_reads_with_the_workspace_columns_and_the_index_catalogue(installed, tmp_path):
    _cli(installed, tmp_path, "init", "ws")
    ws = tmp_path / "ws"
    (ws / "data" / "mc.csv").write_text("Don vi,Ky bao cao,Tiep nhan trong ky,Nop qua mang\n"
                                        "So GTVT Bac Lieu,2023,1.200,300\n", encoding="utf-8")
    before = _cli(installed, ws, "validate", "data/mc.csv", "--kind", "dossiers", "--explain").stdout
    assert "received_online" not in before and "Nop qua mang" in before
    (ws / "columns.yaml").write_text("dossiers:\n  received_online: {aliases: [Nộp qua mạng]}\n", encoding="utf-8")
    after = _cli(installed, ws, "validate", "data/mc.csv", "--kind", "dossiers", "--explain").stdout
    line = next(x for x in after.splitlines() if x.startswith("D "))
    assert "received_online" in line and "nop qua mang" in line
    # the index catalogue ships with the package: "PCI 2016" names the index and its year
    (ws / "data" / "pci.csv").write_text("Tỉnh,PCI 2016,Xếp hạng\nĐà Nẵng,70.0,1\nQuảng Ninh,65.6,2\n",
                                         encoding="utf-8")
    out = _cli(installed, ws, "validate", "data/pci.csv", "--kind", "index_scores", "--explain").stdout
    assert "index: PCI" in out and "2 valid row(s), 0 error(s)" in out


CAMAU_UNITS = ("unit_id,name_vi,name_en,kind,parent_id,valid_from,valid_to,successor_id,name_variants\n"
               "camau_dic,Sở Thông tin và Truyền thông tỉnh Cà Mau,Ca Mau Department of Information and "
               "Communications,department,prov_96,,2025-02-28,,Sở Thông tin và Truyền thông|Sở TT&TT Cà Mau\n")
CAMAU_PLAN = """\
id: camau_dic_2024
title: Kế hoạch chuyển đổi số năm 2024 của Sở Thông tin và Truyền thông tỉnh Cà Mau (thử)
unit: camau_dic
year: 2024
inputs:
  - {path: raw/camau_stttt_q3_2024.xlsx, kind: dossiers}
targets:
  - {indicator: online_dossier_share, value: 60%, owner: camau_dic}
  - {indicator: on_time_resolution_rate, value: 95%, owner: camau_dic}
"""


@pytest.fixture
def camau_workspace(tmp_path):
    main(["init", str(tmp_path / "ws")])
    ws = tmp_path / "ws"
    camau_q3(ws / "data" / "raw")
    (ws / "units.csv").write_text(CAMAU_UNITS, encoding="utf-8")
    (ws / "params" / "camau_dic_2024.yaml").write_text(CAMAU_PLAN, encoding="utf-8")
    return ws


def test_a_quarter_alone_is_not_the_year_to_date(camau_workspace, capsys):
    ws = camau_workspace
    code = main(["run", str(ws / "params" / "camau_dic_2024.yaml"), "--as-of", "14/09/2024"])    # day first
    printed = capsys.readouterr().out
    # at 14/09 the year to date is January to September: the third quarter alone is not it
    assert code == 1 and "no target could be evaluated" in printed
    assert ("online_dossier_share: no figures for H1 2024 of Ca Mau Department of Information and Communications, "
            "so Q1–Q3 2024 cannot be added up") in printed


def test_a_quarter_of_an_unregistered_department_adds_up_to_the_year_to_date(camau_workspace, capsys):
    ws = camau_workspace
    camau_q3(ws / "data" / "raw", period="6 THÁNG ĐẦU NĂM 2024", name="camau_stttt_h1_2024.xlsx")
    plan = ws / "params" / "camau_dic_2024.yaml"
    plan.write_text(plan.read_text("utf-8").replace(
        "inputs:\n", "inputs:\n  - {path: raw/camau_stttt_h1_2024.xlsx, kind: dossiers}\n"), "utf-8")
    code = main(["run", str(plan), "--as-of", "14/09/2024"])
    assert code == 0, capsys.readouterr().out
    out = ws / "outputs" / "2024" / "camau_dic_2024_asof_2024-09-14"
    s = json.loads((out / "summary.json").read_text("utf-8"))
    share = next(t for t in s["targets"] if t["indicator_id"] == "online_dossier_share")
    # the six divisions, none in any registry, count in the department: 230 / 350 in each of
    # H1 and Q3, so Jan–Sep is 460 / 700 = 65,71 % ≥ 60 %
    assert (share["numerator"], share["denominator"], share["status"]) == (460, 700, "on_track")
    assert share["basis_period"] == share["span"] == "2024-01/2024-09"
    provisional = {p["unit_id"]: p["name"] for p in s["provisional_units"]}
    assert provisional["camau_dic~van_phong_so"] == "Văn phòng Sở (tạm)" and len(provisional) == 6
    assert not any("baclieu" in i["unit_id"] for i in s["indicators"])
    # what the reader sees: the span in Vietnamese, the data date, an on-track count
    import pandas as pd

    html = (out / "report.html").read_text("utf-8")
    assert '<html lang="vi">' in html and "Quý I–III/2024" in html and "Văn phòng Sở (tạm)" in html
    facts = dict(pd.read_excel(out / "evaluation.xlsx", sheet_name="Tổng hợp", engine="calamine").to_numpy())
    assert facts["Số liệu đến ngày"] == "14/09/2024"
    assert facts["Chỉ tiêu: đúng tiến độ / có số liệu / tổng số"] == "2 / 2 / 2"


def test_a_run_with_nothing_evaluated_fails_with_the_reasons(camau_workspace, capsys):
    ws = camau_workspace
    code = main(["run", str(ws / "params" / "camau_dic_2024.yaml")])          # no --as-of: a closed year
    printed = capsys.readouterr().out
    assert code == 1 and "0 ok, 1 failed" in printed
    assert "no target could be evaluated" in printed
    assert ("no figures for H1 2024, Q4 2024 of Ca Mau Department of Information and Communications, so 2024 "
            "cannot be added up") in printed
    assert not (ws / "outputs" / "2024" / "camau_dic_2024").exists()
    code = main(["run", str(ws / "params" / "camau_dic_2024.yaml"), "--allow-empty"])
    assert code == 0
    s = json.loads((ws / "outputs" / "2024" / "camau_dic_2024" / "summary.json").read_text("utf-8"))
    assert {(t["status"], t["no_data_reason"]) for t in s["targets"]} == {("no_data", "period_not_covered")}


def test_a_plan_for_a_unit_the_registry_lacks_names_it(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(textwrap.dedent("""\
        id: p
        title: Kế hoạch
        unit: camau_dic
        year: 2024
        tasks:
          - {id: T1, title: a, owner: camau_dic_office}
        """), encoding="utf-8")
    with pytest.raises(DxPlanError) as info:
        load_plan(path)
    found = {p.column: p.message for p in info.value.problems}
    assert found == {"unit": "'camau_dic' is not in the unit registry",
                     "tasks[0].owner": "'camau_dic_office' is not in the unit registry"}


def test_every_no_data_in_the_sample_reports_has_a_reason(tmp_path):
    from dx_metrics.pipeline import build_plan_report

    for plan, as_of in (("mot_nq17_2019.yaml", None), ("mot_nq17_2019.yaml", "2019-07-31"),
                        ("baclieu_dot_2023.yaml", None)):
        ev = build_plan_report(ROOT / "params" / plan, as_of=as_of).evaluation
        empty = ev[ev["status"] == "no_data"]
        assert empty["no_data_reason"].notna().all() and empty["notes"].notna().all(), (plan, as_of)
    mot = build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml", as_of="2019-07-31").evaluation
    tracked = mot.set_index("indicator_id").loc["dossier_tracked_share"]
    assert tracked["no_data_reason"] == "no_input"
    assert tracked["notes"].startswith("no input gives dossier_tracked_share")


def test_units_suggest_prints_rows_to_paste(camau_workspace, capsys, monkeypatch):
    monkeypatch.chdir(camau_workspace)
    (camau_workspace / "units.csv").unlink()           # without the department's row
    assert main(["units", "suggest", "data/raw/camau_stttt_q3_2024.xlsx"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "unit_id,name_vi,name_en,kind,parent_id,valid_from,valid_to,successor_id,name_variants"
    assert lines[1] == ("prov_96_so_thong_tin_va_truyen_thong,SỞ THÔNG TIN VÀ TRUYỀN THÔNG,,department,prov_96,,,,"
                        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG")
    assert "prov_96_so_thong_tin_va_truyen_thong_van_phong_so,Văn phòng Sở,,division," \
           "prov_96_so_thong_tin_va_truyen_thong,,,,Văn phòng Sở" in lines
    assert len(lines) == 8


def test_a_plans_input_is_looked_for_beside_it_first(tmp_path):
    # the same file name beside the plan and under data/: the plan's neighbour wins
    from conftest import one_stop_rows, unit_row, write_sheet
    from dx_metrics.pipeline import build_plan_report

    main(["init", str(tmp_path / "ws")])
    ws = tmp_path / "ws"
    write_sheet(ws / "params" / "one_stop.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 100, 30)]))
    write_sheet(ws / "data" / "one_stop.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 100, 90)]))
    plan = ws / "params" / "p.yaml"
    plan.write_text("id: p\ntitle: t\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: one_stop.xlsx, kind: dossiers}\n"
                    "targets:\n  - {indicator: online_dossier_share, value: 20%}\n", encoding="utf-8")
    row = build_plan_report(plan).evaluation.iloc[0]
    assert (row.numerator, row.denominator) == (30, 100)
    (ws / "params" / "one_stop.xlsx").unlink()                  # then the workspace's data/
    assert build_plan_report(plan).evaluation.iloc[0].numerator == 90


def test_a_workspace_columns_yaml_teaches_a_new_header(tmp_path, monkeypatch, capsys):
    ws = tmp_path / "ws"
    main(["init", str(ws)])
    export = ws / "data" / "nodia.csv"
    export.write_text("Don vi,Ky bao cao,Tiep nhan trong ky,Tiep nhan truc tuyen,"
                      "Tiep nhan truc tiep va buu chinh cong ich\nSo GTVT Bac Lieu,2023,1.200,300,900\n", encoding="utf-8")
    monkeypatch.chdir(ws)
    assert main(["validate", "data/nodia.csv", "--kind", "dossiers", "--suggest"]) == 0
    out = capsys.readouterr().out
    draft = out[out.index("dossiers:"):out.index("severity")]
    assert draft.splitlines()[1:3] == ["  received_offline:",
                                       '    aliases: ["Tiep nhan truc tiep va buu chinh cong ich"]']
    (ws / "columns.yaml").write_text(draft, encoding="utf-8")           # the analyst accepts the guess
    assert main(["validate", "data/nodia.csv", "--kind", "dossiers", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "1 valid row(s), 0 error(s), 0 warning(s)" in out        # read now (the cache saw the overlay change)
    assert "received_offline" in out
