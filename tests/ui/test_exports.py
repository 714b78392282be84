"""Exports (issue 8 item 4): every chart's "Export" popover gives the commands (under "Reproduce from the command line")
whose output equals the chart's CSV download, and its Parameters JSON holds the page's values.

Each page is rendered with AppTest; the CSV and JSON are read back from the downloads the page
made (AppTest keeps them in an in-memory media store, recorded here), the commands from the
``st.code`` elements. ``python -m engine curve`` lines run in-process through
``engine.__main__.main`` (one of them also as a real subprocess), ``python -c`` fallbacks run as
subprocesses with cwd = the repository root.
"""

from __future__ import annotations

import io
import json
import shlex
import subprocess
import sys
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

import streamlit.testing.v1.app_test as app_test_module
from engine.__main__ import main as engine_main
from engine.params import get_model

ROOT = Path(__file__).resolve().parents[2]


class RecordingStorage(MemoryMediaFileStorage):
    """The in-memory media store of AppTest, remembered so the tests can read the downloads."""

    last: "RecordingStorage | None" = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        RecordingStorage.last = self


class Page:
    """One rendered page: its commands (st.code) and its downloads by key."""

    def __init__(self, name: str, sliders: dict[str, float] | None = None, query: dict[str, str] | None = None) -> None:
        original = app_test_module.MemoryMediaFileStorage
        app_test_module.MemoryMediaFileStorage = RecordingStorage
        try:
            at = AppTest.from_file(str(ROOT / "app_pages" / f"{name}.py"), default_timeout=240)
            for key, value in (query or {}).items():  # e.g. the Tails page's open tab
                at.query_params[key] = value
            at.run()
            for key, value in (sliders or {}).items():
                at.slider(key=key).set_value(value)
            if sliders:
                at.run()
        finally:
            app_test_module.MemoryMediaFileStorage = original
        assert not at.exception, [e.value for e in at.exception]
        self.at = at
        self.storage = RecordingStorage.last
        self.codes = [c.value for c in at.code]
        self.downloads = {b.proto.id.split("-", 2)[-1]: b.proto.url for b in at.get("download_button")}

    def download(self, key: str) -> bytes:
        url = self.downloads[key]
        return self.storage.get_file(url.rsplit("/", 1)[-1].split(".")[0]).content

    def csv(self, slug: str) -> pd.DataFrame:
        return pd.read_csv(io.BytesIO(self.download(f"csv-{slug}")))

    def params_json(self, slug: str) -> dict:
        return json.loads(self.download(f"json-{slug}"))

    def command(self, *needles: str) -> str:
        hits = [c for c in self.codes if all(n in c for n in needles)]
        assert len(hits) == 1, (needles, [h[:120] for h in hits])
        return hits[0]


# ----------------------------------------------------------------------------- running commands
def curve_lines(command: str) -> list[str]:
    return [ln for ln in command.splitlines() if ln.startswith("python -m engine curve ")]


def run_cli(line: str) -> tuple[dict, pd.DataFrame]:
    """A ``python -m engine ...`` line, in-process: (envelope params, rows as a DataFrame)."""
    args = shlex.split(line)
    assert args[:3] == ["python", "-m", "engine"], line
    out = io.StringIO()
    with redirect_stdout(out):
        rc = engine_main(args[3:])
    assert rc == 0, line[:200]
    env = json.loads(out.getvalue())
    return env["params"], pd.DataFrame(env["rows"])


def run_lines(command: str, with_params: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every curve line of ``command``, rows stacked in order; ``with_params`` copies those keys of
    each line's envelope params into its rows (the family value of each curve)."""
    parts = []
    for line in curve_lines(command):
        params, rows = run_cli(line)
        for key in with_params:
            if key not in rows:
                rows[key] = params[key]
        parts.append(rows)
    assert parts, command
    with warnings.catch_warnings():  # all-NaN columns (e.g. acc_inf_feature off the linear verifier) are fine here
        warnings.simplefilter("ignore", FutureWarning)
        return pd.concat(parts, ignore_index=True)


def run_python_fallback(command: str) -> str:
    """The ``python -c '...'`` line of a fallback, as a subprocess (cwd = the repository root)."""
    lines = [ln for ln in command.splitlines() if ln.startswith("python -c ")]
    assert len(lines) == 1 and command.startswith("# ") and "not" in command.splitlines()[0], command
    args = shlex.split(lines[0])
    out = subprocess.run([sys.executable, *args[1:]], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def numeric(col: pd.Series) -> np.ndarray:
    return pd.to_numeric(col.map(lambda x: np.inf if x == "inf" else x), errors="coerce").to_numpy(float)


def assert_same(cli: pd.DataFrame, chart: pd.DataFrame, rename: dict[str, str] | None = None, min_shared: int = 2) -> None:
    """Same number of rows, and equal values (rel 1e-9) on every column the two share."""
    cli = cli.rename(columns=rename or {})
    shared = [c for c in cli.columns if c in chart.columns]
    assert len(shared) >= min_shared, (list(cli.columns), list(chart.columns))
    assert len(cli) == len(chart), (len(cli), len(chart))
    for col in shared:
        if chart[col].dtype == object and cli[col].dtype == object and not chart[col].astype(str).str.match(r"^-?[\d.]").all():
            assert cli[col].astype(str).tolist() == chart[col].astype(str).tolist(), col
        else:
            np.testing.assert_allclose(numeric(cli[col]), numeric(chart[col]), rtol=1e-9, atol=1e-12, equal_nan=True,
                                       err_msg=col)


def assert_params_json(page: Page, slug: str, model: str, expect: dict) -> dict:
    payload = page.params_json(slug)
    assert payload["model"] == model
    assert set(get_model(model).keys) <= set(payload["params"]), sorted(payload["params"])
    for key, value in expect.items():
        assert payload["params"][key] == value, (key, payload["params"][key], value)
    return payload


# ----------------------------------------------------------------------------- pages (rendered once)
@pytest.fixture(scope="module")
def mixing() -> Page:
    return Page("mixing")


@pytest.fixture(scope="module")
def mixing_c2() -> Page:
    return Page("mixing", {"c2": 0.3})


@pytest.fixture(scope="module")
def tails_generations() -> Page:
    return Page("tails", query={"panel": "Generations"})


@pytest.fixture(scope="module")
def tails_slopes() -> Page:
    return Page("tails", query={"panel": "Local slope"})


@pytest.fixture(scope="module")
def tails_gcd() -> Page:
    return Page("tails", query={"panel": "GCD bridge and runs"})


@pytest.fixture(scope="module")
def tails_beta() -> Page:
    return Page("tails", {"beta": 2.5})


@pytest.fixture(scope="module")
def verification() -> Page:
    return Page("verification")


@pytest.fixture(scope="module")
def verification_p() -> Page:
    return Page("verification", {"p_err": 0.4})


# ----------------------------------------------------------------------------- mixing
def test_mixing_scaling_family_commands_reproduce_the_csv(mixing: Page) -> None:
    cmd = mixing.command("curve mixing", "--sweep T=")
    lines = curve_lines(cmd)
    chart = mixing.csv("mixing-error-vs-t")
    assert len(lines) == chart["p_synth"].nunique() >= 8  # one line per p_synth curve
    assert_same(run_lines(cmd, ("p_synth",)), chart)
    payload = assert_params_json(mixing, "mixing-error-vs-t", "mixing",
                                 {k: v for k, v in get_model("mixing").defaults().items() if k != "m"})
    assert payload["params"]["m"] == 0 and payload["family"]["p_synth"] == chart["p_synth"].unique().tolist()


def test_mixing_width_family_carries_a_non_default_slider(mixing_c2: Page) -> None:
    cmd = mixing_c2.command("curve mixing", "--sweep m=1,2,")
    lines = curve_lines(cmd)
    assert len(lines) == 4 and all("--set c2=0.3 " in ln for ln in lines)  # vary p_synth: c2 fixed on every curve
    chart = mixing_c2.csv("mixing-error-vs-width")
    assert_same(run_lines(cmd, ("p_synth", "c2")), chart)
    assert_params_json(mixing_c2, "mixing-error-vs-width", "mixing", {"c2": 0.3, "p_synth": 0.1})
    # the comparison can fail: the same command without the slider value draws another chart
    with pytest.raises(AssertionError):
        assert_same(run_lines(cmd.replace("--set c2=0.3 ", "")), chart)


def test_mixing_pareto_commands_give_both_axes(mixing: Page) -> None:
    cmd = mixing.command("# error_mix")
    chart = mixing.csv("mixing-pareto")
    lines = curve_lines(cmd)
    qualities = list(dict.fromkeys(chart["c2"]))
    assert len(lines) == len(qualities) + 1
    mix = pd.concat([run_cli(ln)[1] for ln in lines[:-1]], ignore_index=True)
    assert_same(mix, chart, rename={"total": "error_mix"})
    real = run_cli(lines[-1])[1][["m", "total"]]
    assert_same(pd.concat([real] * len(qualities), ignore_index=True), chart, rename={"total": "error_real_only"},
                min_shared=2)


def test_mixing_weighted_chart_has_a_working_python_fallback(mixing_c2: Page) -> None:
    cmd = mixing_c2.command("weighted_view")
    assert curve_lines(cmd) == [] and '"c2": 0.3' in cmd
    out = pd.read_csv(io.StringIO(run_python_fallback(cmd)))
    assert_same(out, mixing_c2.csv("mixing-weighted-mixing"), min_shared=3)
    assert_params_json(mixing_c2, "mixing-weighted-mixing", "mixing", {"c2": 0.3})


# ----------------------------------------------------------------------------- tails
def test_tails_configuration_command_runs_as_a_subprocess(tails_beta: Page) -> None:
    cmds = [c for c in tails_beta.codes if c.startswith("python -m engine curve tails --set beta=2.5 --sweep T=")
            and len(curve_lines(c)) == 1]
    assert len(cmds) == 1, cmds
    line = curve_lines(cmds[0])[0]
    out = subprocess.run([sys.executable, *shlex.split(line)[1:]], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = pd.DataFrame(json.loads(out.stdout)["rows"])
    assert_same(rows, tails_beta.csv("tails-your-configuration"), min_shared=4)
    assert_params_json(tails_beta, "tails-your-configuration", "tails", {"beta": 2.5, "beta_ai": 2.5, "T": 1e4})


def test_tails_cut_family_reproduces_each_curve(tails_beta: Page) -> None:
    cmd = tails_beta.command("# clean", "--set k=10 ")
    lines = curve_lines(cmd)
    assert len(lines) == 5 and all("--set beta=2.5 " in ln for ln in lines)
    assert_same(run_lines(cmd, ("k",)), tails_beta.csv("tails-clean-vs-cut"))


def test_tails_generations_and_unlearned(tails_generations: Page) -> None:
    cmd = tails_generations.command("curve tails", "--set T0=10000 --set n=16 ")
    assert len(curve_lines(cmd)) == 6
    assert_same(run_lines(cmd, ("n",)), tails_generations.csv("tails-generations"))
    cmd = tails_generations.command("--sweep n=0,1,2")
    assert_same(run_lines(cmd), tails_generations.csv("tails-unlearned-mass"), rename={"plateau": "relabel"},
                min_shared=2)


def test_tails_slopes(tails_slopes: Page) -> None:
    cmd = tails_slopes.command("# narrowed")
    chart = tails_slopes.csv("tails-local-slopes")
    assert len(curve_lines(cmd)) == chart["curve"].nunique() == 5
    assert_same(run_lines(cmd), chart)


def test_tails_gcd_fallback(tails_gcd: Page) -> None:
    cmd = tails_gcd.command("gcd_data")
    assert curve_lines(cmd) == []
    assert_same(pd.read_csv(io.StringIO(run_python_fallback(cmd))), tails_gcd.csv("tails-gcd-zipf"), min_shared=3)
    assert_params_json(tails_gcd, "tails-gcd-zipf", "tails", {"beta": 2.0})


# ----------------------------------------------------------------------------- verification
def test_verification_accuracy_vs_N_family(verification_p: Page) -> None:
    cmd = verification_p.command("curve verification", "--sweep N=")
    lines = curve_lines(cmd)
    assert len(lines) == 6 and all("--set p_err=0.4 " in ln for ln in lines)
    chart = verification_p.csv("verification-accuracy-vs-n")
    assert_same(run_lines(cmd, ("verifier",)), chart)
    assert_params_json(verification_p, "verification-accuracy-vs-n", "verification",
                       {**get_model("verification").defaults(), "p_err": 0.4, "N": 1e4})


def test_verification_accuracy_vs_p_includes_the_infinite_N_curve(verification: Page) -> None:
    cmd = verification.command("curve verification", "--sweep p_err=")
    assert any("--set N=inf " in ln for ln in curve_lines(cmd))
    assert_same(run_lines(cmd, ("N",)), verification.csv("verification-accuracy-vs-p"))
    payload = assert_params_json(verification, "verification-accuracy-vs-p", "verification", {"N": 1e4})
    assert "inf" in payload["family"]["N"]


def test_verification_pstar_families_and_audit_fallback(verification_p: Page) -> None:
    cmd = verification_p.command("--sweep flip=", "--sweep keep_wrong=")
    noisy, recall = curve_lines(cmd)
    rows = pd.concat([run_cli(noisy)[1].rename(columns={"flip": "keep_wrong"}), run_cli(recall)[1]], ignore_index=True)
    assert_same(rows, verification_p.csv("verification-accuracy-vs-p-star"), min_shared=8)  # ψ = ρ on the noisy oracle
    cmd = verification_p.command("audit_view")
    assert '"p_err": 0.4' in cmd
    out = pd.read_csv(io.StringIO(run_python_fallback(cmd)))
    assert_same(out, verification_p.csv("verification-audit-estimate"), min_shared=8)
