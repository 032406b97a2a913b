"""The generated PyTorch programs run, and reach the engine's parameters (1e-9, float64).

Programs are written to files and executed as ``__main__`` in ONE helper
subprocess (torch is imported once for all of them, so the test stays fast);
one program is also run on its own with ``python prog.py`` to show it needs
nothing but torch.
"""

from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from linreg_tui.engine import codegen
from linreg_tui.engine.config import RunConfig, parse_batch, parse_schedule
from linreg_tui.engine.errors import ConfigError
from linreg_tui.tui.choices import DatasetChoice

DRIVER = r"""
import contextlib, io, json, runpy, sys
out = {}
for path in sys.argv[1:]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(path, run_name="__main__")
    out[path] = buffer.getvalue()
print(json.dumps(out))
"""

B = parse_batch
CASES = {  # name: (data, config, updates)
    "t4_sgd_in_order": (
        DatasetChoice("hours"),
        RunConfig(lr=0.01, bias=False, batch=B("sgd"), shuffle=False, init_w=(1.0,)),
        30,
    ),
    "t1_full_autograd": (DatasetChoice("tutorial15"), RunConfig(lr=0.01, grad="autograd"), 10),
    "t3_minibatch_shuffled_momentum": (
        DatasetChoice("synthetic", seed=3),
        RunConfig(
            lr=0.02,
            loss="half_mse",
            batch=B("minibatch:4"),
            optimizer="momentum",
            seed=1000,
            init_random=True,
        ),
        60,
    ),
    "housing_standardized_adam_step_schedule": (
        DatasetChoice("housing"),
        RunConfig(
            lr=0.05, standardize=True, optimizer="adam", schedule=parse_schedule("step:20:0.5")
        ),
        60,
    ),
    "stream_rmsprop": (
        DatasetChoice("stream"),
        RunConfig(
            lr=0.02,
            loss="half_mse",
            batch=B("stream:4"),
            seed=1000,
            init_random=True,
            optimizer="rmsprop",
        ),
        40,
    ),
    "forget_zero_grad_nesterov_drop_last": (
        DatasetChoice("hours"),
        RunConfig(
            lr=0.01,
            mistake="forget-zero-grad",
            optimizer="nesterov",
            batch=B("minibatch:2"),
            drop_last=True,
        ),
        20,
    ),
    "sign_flip_momentum_minibatch": (
        DatasetChoice("hours"),
        RunConfig(lr=0.01, mistake="sign-flip", optimizer="momentum", batch=B("minibatch:2")),
        20,
    ),
    "t5_overwrite_grad_adagrad_sse": (
        DatasetChoice("datacsv"),
        RunConfig(
            lr=0.0001,
            mistake="overwrite-grad",
            loss="sse",
            batch=B("minibatch:7"),
            optimizer="adagrad",
        ),
        20,
    ),
    "diabetes_exp_schedule_half_sse": (
        DatasetChoice("diabetes"),
        RunConfig(
            lr=0.001,
            loss="half_sse",
            standardize=True,
            batch=B("minibatch:32"),
            schedule=parse_schedule("exp:0.99"),
        ),
        25,
    ),
}


def engine_params(data: DatasetChoice, config: RunConfig, updates: int) -> list[float]:
    from linreg_tui.engine.run import Run

    run = Run(data.load(), config)
    run.run_until(update=updates)
    w, b = run.params()
    return [*w, *([b] if b is not None else [])]


def printed_params(output: str) -> list[float]:
    """The numbers of the program's final ``w = [...]`` and ``b = ...`` lines."""
    values: list[float] = []
    for line in output.splitlines():
        if line.startswith("w = "):
            values = list(ast.literal_eval(line[4:]))
        elif line.startswith("b = "):
            values.append(float(line[4:]))
    return values


def run_programs(paths: list[Path]) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[float], str]]:
    """Every program of this module, written and run once: name → (path, engine θ, output)."""
    folder = tmp_path_factory.mktemp("programs")
    made: dict[str, tuple[Path, list[float]]] = {}
    for name, (data, config, updates) in CASES.items():
        want = engine_params(data, config, updates)
        for style in codegen.STYLES:
            path = folder / f"{name}_{style}.py"
            path.write_text(codegen.program(data, config, style, updates=updates))
            made[f"{name}/{style}"] = (path, want)
    # A CSV too big to embed: the program reads it from its path, as load_csv would.
    csv_path = folder / "points.csv"
    rows = [f"{i};{0.5 * i};{3.0 - 0.2 * i + 0.01 * (i % 7)}" for i in range(40)]
    csv_path.write_text("a;b;target\n" + "\n\n".join(rows) + "\n")
    data = DatasetChoice(name=None, csv_path=str(csv_path), x=("a",), y="target")
    config = RunConfig(lr=0.001, batch=B("minibatch:5"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codegen, "EMBED_LIMIT", 10)
        source = codegen.program(data, config, "hand", updates=15)
    (folder / "csv.py").write_text(source)
    made["csv"] = (folder / "csv.py", engine_params(data, config, 15))
    # A learning rate that is too large on unscaled data: the run diverges.
    path = folder / "diverge.py"
    path.write_text(
        codegen.program(DatasetChoice("datacsv"), RunConfig(lr=0.01), "hand", updates=200)
    )
    made["diverge"] = (path, [])
    outputs = run_programs([path for path, _ in made.values()])
    return {name: (path, want, outputs[str(path)]) for name, (path, want) in made.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_every_style_reproduces_the_engine(programs, name: str) -> None:
    for style in codegen.STYLES:
        path, want, output = programs[f"{name}/{style}"]
        got = printed_params(output)
        assert len(got) == len(want), f"{path.name}: printed {output!r}"
        for g, w in zip(got, want, strict=True):
            assert math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9), (path.name, got, want)


def test_a_program_runs_on_its_own(tmp_path: Path) -> None:
    data, config, updates = CASES["t4_sgd_in_order"]
    path = tmp_path / "t4.py"
    path.write_text(codegen.program(data, config, "module", updates=updates))
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert printed_params(done.stdout) == pytest.approx(
        engine_params(data, config, updates), rel=1e-12
    )
    assert "start: loss = " in done.stdout


def test_a_large_csv_is_read_from_its_path(programs) -> None:
    path, want, output = programs["csv"]
    source = path.read_text()
    assert "csv.reader" in source and "points.csv" in source and "x = [" not in source
    assert printed_params(output) == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_divergence_is_reported_like_the_engine(programs) -> None:
    from linreg_tui.engine.run import Run

    run = Run(DatasetChoice("datacsv").load(), RunConfig(lr=0.01))
    run.run_until(update=200)
    assert run.diverged_at is not None
    assert f"diverged at update {run.diverged_at}:" in programs["diverge"][2]


def test_synthetic_data_are_regenerated_not_embedded() -> None:
    source = codegen.program(DatasetChoice("synthetic", seed=5), RunConfig(), "hand", epochs=1)
    assert "X, y = draw(100, 5)" in source
    assert "torch.randn" in source


def test_small_data_are_embedded_exactly() -> None:
    source = codegen.program(DatasetChoice("tutorial15"), RunConfig(), "hand", epochs=1)
    assert "3.3, 4.4, 5.5, 6.71" in source and "10.791" in source


@pytest.mark.parametrize("style", codegen.STYLES)
def test_programs_are_valid_python_and_short_for_the_tutorial(style: str) -> None:
    source = codegen.program(DatasetChoice("hours"), RunConfig(bias=False), style, epochs=100)
    ast.parse(source)
    assert "UPDATES = 100" in source
    assert len(source.splitlines()) < 120


def test_default_length_is_100_epochs() -> None:
    source = codegen.program(DatasetChoice("hours"), RunConfig(batch=B("sgd")), "hand")
    assert "UPDATES = 300" in source  # 3 rows, one per update, 100 epochs


def test_bad_style_and_bad_settings_raise_config_errors() -> None:
    with pytest.raises(ConfigError, match="code style"):
        codegen.program(DatasetChoice("hours"), RunConfig(), "numpy")
    with pytest.raises(ConfigError, match="larger than the data"):
        codegen.program(DatasetChoice("hours"), RunConfig(batch=B("minibatch:9")), "hand")
    with pytest.raises(ConfigError, match="learning rate"):
        codegen.program(DatasetChoice("hours"), RunConfig(lr=-1.0), "hand")
