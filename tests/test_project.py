"""The project's own files: dependency lists agree, notebooks are committed clean."""
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib

import pytest
import yaml

from conftest import ROOT


def _name(req: str) -> str:
    name = re.split(r"[<>=!~ ]", req, maxsplit=1)[0].lower().replace("_", "-")
    return {"python-duckdb": "duckdb"}.get(name, name)      # conda-forge names DuckDB's Python package so


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]


def _conda(file: str) -> dict[str, str]:
    env = yaml.safe_load((ROOT / file).read_text("utf-8"))
    return {_name(d): d for d in env["dependencies"] if isinstance(d, str) and _name(d) not in ("python", "pip")}


# packages a report never imports: the test tools, the Spark engine, JupyterLab (issue 27, item 6)
NOT_FOR_REPORTS = {"pytest", "hypothesis", "coverage", "ruff", "mypy", "pyspark", "sqlglot", "jupyterlab"}


@pytest.mark.parametrize("file, extras, beside", [
    ("environment.yml", ["lab"], set()),                   # analysts: the runtime and JupyterLab, no Spark, no Java
    ("environment-dev.yml", ["dev"], {"openjdk"}),         # developers: all of it, and the Java PySpark runs on
])
def test_the_conda_environments_and_pyproject_name_the_same_packages(file, extras, beside):
    project = _project()
    pip = {_name(r): r for r in project["dependencies"] + sum((project["optional-dependencies"][e] for e in extras), [])}
    conda = _conda(file)
    assert set(conda) - set(pip) == beside
    assert set(pip) <= set(conda)
    for name, req in pip.items():    # the same lower bounds
        assert req.split(">=")[1] == conda[name].split(">=")[1], name
    if file == "environment.yml":
        assert not NOT_FOR_REPORTS - {"jupyterlab"} & set(conda), "the analysts' environment carries no test or Spark package"


def test_the_report_needs_no_test_spark_or_lab_package_and_dev_holds_every_extra():
    project = _project()
    core = {_name(r) for r in project["dependencies"]}
    assert not core & NOT_FOR_REPORTS, core & NOT_FOR_REPORTS
    extras = {k: {_name(r): r for r in v} for k, v in project["optional-dependencies"].items()}
    assert set(extras["spark"]) == {"pyspark", "sqlglot"} and set(extras["lab"]) == {"jupyterlab"}
    for extra in ("lab", "spark"):   # the suite exercises both: [dev] has them, with the same bounds
        assert extras[extra].items() <= extras["dev"].items(), extra
    assert {"pytest", "hypothesis", "coverage", "ruff", "mypy"} <= set(extras["dev"])


_MODULE = {"python-calamine": "python_calamine", "pyyaml": "yaml", "python-docx": "docx",
           "charset-normalizer": "charset_normalizer"}


def test_every_runtime_dependency_is_imported_by_the_package():
    # seaborn was a dependency never imported (issue 27): each one listed is used
    imported = set()
    for path in (ROOT / "dx_metrics").rglob("*.py"):
        imported |= set(re.findall(r"^\s*(?:import|from) (\w+)", path.read_text("utf-8"), re.M))
    for req in _project()["dependencies"]:
        assert _MODULE.get(_name(req), _name(req)) in imported, req


def _pip_installs(target: str) -> list[str]:
    """What ``make -n -B target`` would give pip to install: the -e argument of each pip install."""
    r = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [m for line in r.stdout.splitlines() if "pip install" in line
            for m in re.findall(r"-e '?([^' ]+)'?", line)]


@pytest.mark.skipif(shutil.which("make") is None, reason="no make here")
@pytest.mark.parametrize("target, installs", [
    ("report", ["."]),                # the project and its runtime dependencies only
    ("install", ["."]),
    ("samples", ["."]),
    ("lab", [".[lab]"]),
    ("test", [".[dev]"]),
    ("coverage", [".[dev]"]),
    ("mutants", [".[dev]"]),
    ("bench", [".[dev]"]),
])
def test_make_report_installs_no_test_or_spark_package(target, installs):
    # issue 27: `make report` installed .[dev] (pytest, hypothesis, PySpark: 491 MB) through its stamp
    assert _pip_installs(target) == installs


@pytest.mark.skipif(shutil.which("make") is None, reason="no make here")
@pytest.mark.parametrize("target", ["install", "test"])
def test_a_failed_pip_install_stops_make_and_writes_no_stamp(tmp_path, target):
    # .ci/run calls `make test`: a failed install must fail it (it was piped into grep and `|| true`)
    shutil.copy(ROOT / "Makefile", tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    bin_ = tmp_path / ".venv" / "bin"
    bin_.mkdir(parents=True)
    (bin_ / "python").write_text("#!/bin/sh\necho 'ERROR: No matching distribution found for pandas>=3.1.1' >&2\n"
                                 "exit 1\n")
    (bin_ / "python").chmod(0o755)
    r = subprocess.run(["make", target, f"PYTHON={sys.executable}"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode != 0
    assert "No matching distribution found for pandas" in r.stdout + r.stderr
    assert "installation failed (pip exit 1)" in r.stdout
    assert not list((tmp_path / ".venv").glob(".dx-metrics-*"))
    ci = (ROOT / ".ci" / "run").read_text("utf-8").strip().splitlines()
    assert ci[-3:] == ["make test", "make lint", "make typecheck"] and "set -euo pipefail" in ci   # all run, any fails it


def test_notebooks_have_one_parameters_cell_and_no_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text("utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, path.name
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), path.name
        assert nb["metadata"]["kernelspec"]["name"] == "dx-metrics"
        # nbformat 4.5 cells carry an id (without one, every run prints MissingIDFieldWarning)
        ids = [c.get("id") for c in nb["cells"]]
        assert (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5) and None not in ids and len(set(ids)) == len(ids)
        # each parameter is a literal with a comment saying what it is
        for line in "".join(tagged[0]["source"]).splitlines():
            assert re.match(r"^\w+ = .+  # .+", line), line


def test_a_notebook_run_by_hand_writes_to_its_own_folder_never_into_a_scheduled_report():
    # a JupyterLab run writes xlsx, docx and json into output_dir: the default must not be a
    # folder `dx-metrics run` fills (outputs/<year>/<plan>...), or half of a signed report is replaced
    import json

    for nb in sorted((ROOT / "dx_metrics" / "notebooks").glob("*.ipynb")):
        cell = next(c for c in json.loads(nb.read_text("utf-8"))["cells"] if "parameters" in c["metadata"].get("tags", []))
        (line,) = [x for x in cell["source"] if x.startswith("output_dir = ")]
        assert line.startswith('output_dir = "outputs/lab/'), nb.name


@pytest.mark.skipif(shutil.which("make") is None, reason="no make here")
@pytest.mark.parametrize("uid, allowed", [("0", True), ("1000", False)])
def test_make_lab_starts_jupyter_as_root_too(tmp_path, uid, allowed):
    # issue 25, item 6: Jupyter refuses to run as root without --allow-root, so `make lab`
    # failed in a container; the flag is added for root only (`id -u` faked here)
    fake = tmp_path / "id"
    fake.write_text(f"#!/bin/sh\necho {uid}\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    r = subprocess.run(["make", "-n", "lab"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lab = [line for line in r.stdout.splitlines() if "jupyter lab" in line]
    assert len(lab) == 1 and lab[0].split()[-1] == "notebooks/"
    assert ("--allow-root" in lab[0].split()) is allowed, lab
