"""The report notebooks run in the worker's process (``dx_metrics.direct``, the default) give the
report that papermill in a kernel (``--kernel``) gives: the same sections, tables, figures,
workbook and summary.json; a failing cell fails the run alike; nothing of one run is left for
the next in the same process."""
import json
import os
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from conftest import ROOT
from dx_metrics import direct
from dx_metrics.runner import Job, run_batch, run_plan

PLAN = ROOT / "params" / "baclieu_dot_2023.yaml"
STAMP = "2024-01-15T08:00:00+00:00"
# each report notebook on the sample plan tests/test_notebooks.py runs it on
SAMPLES = [(PLAN, "yearly_plan_evaluation", "vi"), (PLAN, "yearly_plan_evaluation", "en"),
           (PLAN, "year_over_year", "vi"), (ROOT / "params" / "mot_nq17_2019.yaml", "index_ranking", "vi"),
           (PLAN, "explore_exports", "vi")]


class _Page(HTMLParser):
    """What a reader sees of a report: h1/h2 texts, every table's cell texts, the images."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.headings, self.tables, self.images = [], [], 0
        self._heading = self._table = self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2"):
            self._heading = []
        elif tag == "table":
            self._table = []
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "img":
            self.images += 1

    def handle_endtag(self, tag):
        if tag in ("h1", "h2") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self._table.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None

    def handle_data(self, data):
        for part in (self._heading, self._cell):
            if part is not None:
                part.append(data)


def _workbook(path: Path) -> dict:
    wb = load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def _summary(path: Path) -> dict:
    s = json.loads(path.read_text("utf-8"))
    s.pop("generated_at", None)
    s.pop("timings", None)
    return s


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The samples run twice: in process (the default) and in kernels through papermill."""
    jobs = [Job(plan, nb, lang) for plan, nb, lang in SAMPLES]
    out = {}
    for kernel in (False, True):
        root = tmp_path_factory.mktemp("kernel" if kernel else "direct")
        results = run_batch(jobs, workers=2, out_root=root, generated_at=STAMP, kernel=kernel)
        out[kernel] = {(r.plan, r.notebook, r.lang): r for r in results}
    return out


@pytest.mark.notebook
@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{nb}-{lang}" for _, nb, lang in SAMPLES])
def test_the_direct_report_is_the_kernel_report(both, sample):
    plan, notebook, lang = sample
    key = (plan.stem, notebook, lang)
    direct_run, kernel_run = both[False][key], both[True][key]
    assert (direct_run.status, kernel_run.status) == ("ok", "ok"), (direct_run.error, kernel_run.error)
    a = _Page((direct_run.output / "report.html").read_text("utf-8"))
    b = _Page((kernel_run.output / "report.html").read_text("utf-8"))
    assert a.headings and a.headings == b.headings
    assert a.tables and a.tables == b.tables
    assert a.images == b.images
    assert _workbook(direct_run.output / "evaluation.xlsx") == _workbook(kernel_run.output / "evaluation.xlsx")
    assert _summary(direct_run.output / "summary.json") == _summary(kernel_run.output / "summary.json")
    # the executed notebook is kept, as papermill kept it: parameters injected with papermill's text
    nbs = [nbformat.read(r.output / "report.ipynb", as_version=4) for r in (direct_run, kernel_run)]
    injected = [next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])).source
                for nb in nbs]
    assert [line for line in injected[0].splitlines() if not line.startswith("output_dir = ")] == \
        [line for line in injected[1].splitlines() if not line.startswith("output_dir = ")]
    assert [[o.output_type for o in c.get("outputs", [])] for c in nbs[0].cells] == \
        [[o.output_type for o in c.get("outputs", [])] for c in nbs[1].cells]
    assert "in process" in (direct_run.output / "run.log").read_text("utf-8")


@pytest.mark.notebook
def test_a_failing_cell_fails_the_direct_run_as_it_fails_in_a_kernel(tmp_path):
    """A cell that raises: the run fails with the cell's number, the error's name and text, as
    papermill said it; its notebook is kept with the error."""
    rows = {}
    for kernel in (False, True):
        rows[kernel] = run_plan(PLAN, out_root=tmp_path / str(kernel), generated_at=STAMP, kernel=kernel,
                                parameters={"lang": "fr"}, record=False, index=False)
    d, k = rows[False], rows[True]
    assert (d.status, k.status) == ("failed", "failed")
    assert d.error == k.error and d.error.startswith("cell 3: ValueError: ") and "fr" in d.error
    assert d.reason == k.reason and d.reason[0] == "cell_failed"
    nb = nbformat.read(d.output / "report.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "ValueError" and errors[0].traceback


@pytest.mark.notebook
def test_bad_inputs_fail_the_direct_run_with_their_coded_problems(tmp_path):
    """An export that arrived empty: the notebook's DxDataError is the run's, problems and all."""
    broken = tmp_path / "baclieu_dot_2023.yaml"
    (tmp_path / "empty.xlsx").write_bytes(b"")
    broken.write_text(PLAN.read_text("utf-8").replace("raw/sgtvt_baclieu_mot_cua_2023.xlsx", "empty.xlsx"),
                      encoding="utf-8")
    r = run_plan(broken, out_root=tmp_path / "out", data_dir=ROOT / "data", generated_at=STAMP, record=False,
                 index=False)
    assert r.status == "failed"
    assert "empty.xlsx: the file is empty (0 bytes)" in r.error
    assert r.problems and any("empty.xlsx" in p.text("vi") for p in r.problems)
    assert (r.output / "report.ipynb").is_file()


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1  # a parameter")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *[nbformat.v4.new_code_cell(c) for c in cells]]
    nbformat.write(nb, path)
    return path


def test_nothing_of_a_run_is_left_for_the_next_in_the_process(tmp_path):
    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell

    nb = _notebook(tmp_path / "leak.ipynb",
                   "import os\nimport matplotlib.pyplot as plt\n"
                   "assert 'leaked' not in globals(), 'a variable of the last run'\n"
                   "assert not plt.get_fignums(), 'a figure of the last run'\n"
                   "leaked = x\nwhere = os.getcwd()\nplt.figure()\nplt.plot([1, 2])\nprint('printed', x)",
                   "from IPython.display import HTML, display\ndisplay(HTML('<h2>shown</h2>'))\nwhere",
                   "import sys\nprint('said', file=sys.stderr)\nleaked * 10")
    here, main = os.getcwd(), sys.modules["__main__"]
    for x, cwd in ((1, tmp_path), (2, ROOT)):
        run = direct.execute(nb, {"x": x}, cwd=cwd, timeout=60)
        assert os.getcwd() == here and not plt.get_fignums()
        assert sys.modules["__main__"] is main      # multiprocessing's spawn needs the process's own
        assert not InteractiveShell.initialized()   # display() outside a report is not captured
        cells = [c for c in run.cells if c.cell_type == "code"]
        assert [c.execution_count for c in cells] == [1, 2, 3, 4, 5]
        assert cells[1].source == f"# Parameters\nx = {x}\n"
        first, second, third = (c.outputs for c in cells[2:])
        assert [o.output_type for o in first] == ["stream", "display_data"]       # print, then the figure
        assert first[0].text == f"printed {x}\n" and "image/png" in first[1].data
        assert [o.output_type for o in second] == ["display_data", "execute_result"]
        assert second[0].data["text/html"] == "<h2>shown</h2>"
        assert second[1].data["text/plain"] == repr(str(cwd)) and second[1].execution_count == 4
        assert (third[0].name, third[0].text) == ("stderr", "said\n")
        assert third[1].data["text/plain"] == str(x * 10)


def test_a_failing_cell_stops_the_run_with_its_number_and_error(tmp_path):
    nb = _notebook(tmp_path / "fails.ipynb", "y = x + 1", "print('before')\ny / 0", "never = True")
    with pytest.raises(direct.CellFailed) as caught:
        direct.execute(nb, {"x": 1}, cwd=tmp_path)
    e = caught.value
    assert (e.exec_count, e.ename, e.evalue) == (4, "ZeroDivisionError", "division by zero")
    assert isinstance(e.original, ZeroDivisionError)
    outputs = [c.get("outputs", []) for c in e.notebook.cells]
    assert [o.output_type for o in outputs[3]] == ["stream", "error"] and outputs[4] == []
    assert any("ZeroDivisionError" in line for line in outputs[3][1].traceback)


def test_a_hung_cell_is_stopped_at_the_time_limit(tmp_path):
    nb = _notebook(tmp_path / "hangs.ipynb", "import time\ntime.sleep(30)")
    with pytest.raises(direct.CellFailed) as caught:
        direct.execute(nb, {}, cwd=tmp_path, timeout=1)
    assert caught.value.ename == "CellTimeout" and caught.value.exec_count == 3
