"""The project's own files: dependency lists agree, notebooks are committed clean."""
import json
import os
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml

from conftest import ROOT


def _name(req: str) -> str:
    name = re.split(r"[<>=!~ ]", req, maxsplit=1)[0].lower().replace("_", "-")
    return {"python-duckdb": "duckdb"}.get(name, name)      # conda-forge names DuckDB's Python package so


def test_environment_yml_and_pyproject_name_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    pip = {_name(r): r for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text("utf-8"))
    conda = {_name(d): d for d in env["dependencies"] if isinstance(d, str) and _name(d) not in ("python", "pip")}
    assert set(pip) == set(conda)
    for name, req in pip.items():    # the same lower bounds
        assert req.split(">=")[1] == conda[name].split(">=")[1], name


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
