"""Our pure update rules against torch.optim, step by step, in float64."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from linreg_tui.engine.config import OPTIMIZERS, BatchSpec, RunConfig
from linreg_tui.engine.errors import ConfigError
from linreg_tui.engine.optimizers import (
    RULE_NAMES,
    SGD,
    Adagrad,
    Adam,
    Momentum,
    Nesterov,
    RMSprop,
    make_rule,
)

F64 = torch.float64
STEPS = 50
# (seed, p, hyperparameters) — p runs over 1..4 and the constants vary per case.
CASES = [
    (0, 1, {"mu": 0.9, "alpha": 0.99, "betas": (0.9, 0.999), "eps": 1e-8}),
    (1, 2, {"mu": 0.5, "alpha": 0.9, "betas": (0.8, 0.99), "eps": 1e-10}),
    (2, 3, {"mu": 0.99, "alpha": 0.5, "betas": (0.5, 0.9), "eps": 1e-6}),
    (3, 4, {"mu": 0.0, "alpha": 0.0, "betas": (0.0, 0.0), "eps": 1e-3}),
]


def _pair(name: str, h: dict, param: torch.nn.Parameter) -> tuple[object, torch.optim.Optimizer]:
    """Our rule and the torch optimizer configured alike (lr is set before every step)."""
    b1, b2 = h["betas"]
    if name == "sgd":
        return SGD(), torch.optim.SGD([param], lr=1.0, foreach=False)
    if name == "momentum":
        return Momentum(h["mu"]), torch.optim.SGD([param], lr=1.0, momentum=h["mu"], foreach=False)
    if name == "nesterov":
        mu = h["mu"] or 0.7  # torch refuses nesterov with zero momentum
        return Nesterov(mu), torch.optim.SGD(
            [param], lr=1.0, momentum=mu, nesterov=True, foreach=False
        )
    if name == "adagrad":
        return Adagrad(h["eps"]), torch.optim.Adagrad([param], lr=1.0, eps=h["eps"], foreach=False)
    if name == "rmsprop":
        return RMSprop(h["alpha"], h["eps"]), torch.optim.RMSprop(
            [param], lr=1.0, alpha=h["alpha"], eps=h["eps"], foreach=False
        )
    return Adam(b1, b2, h["eps"]), torch.optim.Adam(
        [param], lr=1.0, betas=(b1, b2), eps=h["eps"], foreach=False
    )


def _torch_state(name: str, opt: torch.optim.Optimizer, param: torch.Tensor) -> torch.Tensor:
    """torch's optimizer state laid out as our flat state."""
    st = dict(opt.state[param])
    st.setdefault("momentum_buffer", param.grad)  # torch keeps no buffer when μ = 0: b = g
    keys = {
        "sgd": [],
        "momentum": ["momentum_buffer"],
        "nesterov": ["momentum_buffer"],
        "adagrad": ["sum"],
        "rmsprop": ["square_avg"],
        "adam": ["exp_avg", "exp_avg_sq"],
    }[name]
    return torch.cat([st[k].detach() for k in keys]) if keys else torch.zeros(0, dtype=F64)


@pytest.mark.parametrize("name", RULE_NAMES)
@pytest.mark.parametrize("seed,p,h", CASES)
def test_matches_torch_optim_every_step(name: str, seed: int, p: int, h: dict) -> None:
    gen = torch.Generator().manual_seed(seed)
    theta = torch.randn(p, generator=gen, dtype=F64)
    param = torch.nn.Parameter(theta.clone())
    rule, opt = _pair(name, h, param)
    state = rule.init(theta)
    for t in range(1, STEPS + 1):
        # Gradients over several scales, with an exact zero now and then (0/ε in adagrad).
        g = torch.randn(p, generator=gen, dtype=F64) * 10 ** torch.randint(-3, 3, (p,))
        if t % 7 == 0:
            g[0] = 0.0
        lr = float(torch.rand(1, generator=gen, dtype=F64)) * 0.1 + 1e-3
        for group in opt.param_groups:
            group["lr"] = lr
        param.grad = g.clone()
        opt.step()
        theta, state = rule.update(theta, g, state, lr, t)
        torch.testing.assert_close(theta, param.detach(), rtol=1e-12, atol=0)
        torch.testing.assert_close(state, _torch_state(name, opt, param), rtol=1e-12, atol=0)


def test_adam_agrees_with_torch_to_the_last_bits() -> None:
    """Same operations in the same order (lerp for m, ε after √v/√(1−β2^t)): float64 results
    agree to ~1e-15, where m ← β1·m + (1−β1)·g written out drifts ~1e-14 from torch."""
    p = 37  # long enough for torch's vectorised kernels
    gen = torch.Generator().manual_seed(11)
    theta = torch.randn(p, generator=gen, dtype=F64)
    param = torch.nn.Parameter(theta.clone())
    opt = torch.optim.Adam([param], lr=0.05, foreach=False)
    rule, state = Adam(), Adam().init(theta)
    for t in range(1, 301):
        g = torch.randn(p, generator=gen, dtype=F64)
        param.grad = g.clone()
        opt.step()
        theta, state = rule.update(theta, g, state, 0.05, t)
    torch.testing.assert_close(theta, param.detach(), rtol=1e-15, atol=0)
    torch.testing.assert_close(state, _torch_state("adam", opt, param), rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", RULE_NAMES)
def test_float32_matches_torch(name: str) -> None:
    h = CASES[0][2]
    theta = torch.tensor([0.5, -1.5], dtype=torch.float32)
    param = torch.nn.Parameter(theta.clone())
    rule, opt = _pair(name, h, param)
    state = rule.init(theta)
    for t in range(1, 21):
        g = torch.tensor([0.3 * t - 2.0, 1.0 / t], dtype=torch.float32)
        for group in opt.param_groups:
            group["lr"] = 0.01
        param.grad = g.clone()
        opt.step()
        theta, state = rule.update(theta, g, state, 0.01, t)
    assert theta.dtype == state.dtype == torch.float32
    torch.testing.assert_close(theta, param.detach(), rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", RULE_NAMES)
def test_update_never_mutates_or_aliases_inputs(name: str) -> None:
    rule = make_rule(RunConfig(optimizer=name))
    theta = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    grad = torch.tensor([0.25, 3.0, -1.0], dtype=F64)
    state = rule.init(theta) + 0.125  # non-zero so aliasing would show
    copies = [x.clone() for x in (theta, grad, state)]
    new_theta, new_state = rule.update(theta, grad, state, 0.1, 3)
    for before, now in zip(copies, (theta, grad, state), strict=True):
        assert torch.equal(before, now)
    new_theta.add_(100.0)
    new_state.add_(100.0)
    for before, now in zip(copies, (theta, grad, state), strict=True):
        assert torch.equal(before, now)


@pytest.mark.parametrize("name", RULE_NAMES)
@pytest.mark.parametrize("p", [1, 4])
def test_state_size_and_init(name: str, p: int) -> None:
    rule = make_rule(RunConfig(optimizer=name))
    expected = {"sgd": 0, "momentum": p, "nesterov": p, "adagrad": p, "rmsprop": p, "adam": 2 * p}
    assert rule.state_size(p) == expected[name] == len(rule.slots) * p
    theta = torch.full((p,), 3.0, dtype=torch.float32)
    state = rule.init(theta)
    assert state.shape == (expected[name],)
    assert state.dtype == torch.float32 and state.device == theta.device
    assert torch.count_nonzero(state) == 0
    assert rule.update(theta, theta, state, 0.1, 1)[1].shape == state.shape


def test_make_rule_reads_the_config() -> None:
    cfg = RunConfig(momentum=0.8, betas=(0.7, 0.95), alpha=0.9, eps=1e-6)
    assert make_rule(cfg.with_(optimizer="sgd")) == SGD()
    assert make_rule(cfg.with_(optimizer="momentum")) == Momentum(0.8)
    assert make_rule(cfg.with_(optimizer="nesterov")) == Nesterov(0.8)
    assert make_rule(cfg.with_(optimizer="adagrad")) == Adagrad(1e-6)
    assert make_rule(cfg.with_(optimizer="rmsprop")) == RMSprop(0.9, 1e-6)
    assert make_rule(cfg.with_(optimizer="adam")) == Adam(0.7, 0.95, 1e-6)
    # The RunConfig default ε (1e-8) is kept for adagrad, though torch's default is 1e-10.
    assert make_rule(RunConfig(optimizer="adagrad")) == Adagrad(1e-8)
    assert {make_rule(RunConfig(optimizer=n)).name for n in OPTIMIZERS} == set(OPTIMIZERS)


def test_make_rule_rejects_unknown_names() -> None:
    with pytest.raises(ConfigError, match="unknown optimizer 'lbfgs'.*adam"):
        make_rule(RunConfig(optimizer="lbfgs"))


def test_bad_arguments_raise() -> None:
    theta = torch.zeros(2, dtype=F64)
    with pytest.raises(ValueError, match="1-based"):
        Adam().update(theta, theta, Adam().init(theta), 0.1, 0)
    with pytest.raises(ValueError, match="state"):
        Momentum().update(theta, theta, torch.zeros(3, dtype=F64), 0.1, 1)


def _evaluate(expr: str, values: dict) -> np.ndarray:
    """An Equation's right-hand side evaluated with numpy: the equations, read as maths,
    must give what the rule's update gave."""
    code = re.sub(r"√\{([^{}]+)\}", r"np.sqrt({\1})", expr)
    code = re.sub(r"\{([^{}]+)\}", lambda m: f"V[{m.group(1)!r}]", code)
    code = code.replace("·", "*").replace("−", "-").replace("²", "**2").replace("^", "**")
    return eval(code, {"np": np, "V": values})


@pytest.mark.parametrize("name", RULE_NAMES)
@pytest.mark.parametrize("t", [1, 3])
def test_equations_as_data_reproduce_the_update(name: str, t: int) -> None:
    cfg = RunConfig(optimizer=name, momentum=0.8, betas=(0.7, 0.95), alpha=0.9, eps=1e-6)
    rule = make_rule(cfg)
    theta = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    grad = torch.tensor([0.25, 3.0, -1.0], dtype=F64)
    state = rule.init(theta) + 0.125
    new_theta, new_state = rule.update(theta, grad, state, 0.1, t)
    record = rule.record(
        theta.numpy(), grad.numpy(), 0.1, t, (state.numpy(), new_state.numpy()), new_theta.numpy()
    )
    assert record.equations == rule.equations and record.equations[-1].target == "θ"
    assert set(rule.slots) <= {eq.target for eq in rule.equations}
    values = dict(record.before)
    for eq in record.equations:
        np.testing.assert_allclose(
            _evaluate(eq.expr, values), record.after[eq.target], rtol=1e-12, err_msg=eq.text
        )
        values[eq.target] = record.after[eq.target]
    np.testing.assert_array_equal(record.after["θ"], new_theta.numpy())
    assert rule.formula() == "\n".join(eq.text for eq in rule.equations)


def test_state_names_cannot_be_read_as_the_bias() -> None:
    names = {n: make_rule(RunConfig(optimizer=n)).slots for n in RULE_NAMES}
    assert names == {
        "sgd": (),
        "momentum": ("v",),
        "nesterov": ("v",),
        "adagrad": ("s",),
        "rmsprop": ("s",),
        "adam": ("m", "s"),
    }
    assert make_rule(RunConfig(optimizer="momentum")).formula() == "v ← μ·v + g\nθ ← θ − η·v"


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov"])
def test_affine_form_matches_the_update(name: str) -> None:
    """θ' = θ − αη·g − βη·v and v' = μ·v + g, with v the buffer before the update."""
    rule = make_rule(RunConfig(optimizer=name, momentum=0.7))
    form = rule.affine()
    assert form is not None and form.state == (name != "sgd")
    theta = torch.tensor([1.0, -2.0], dtype=F64)
    grad = torch.tensor([0.5, 3.0], dtype=F64)
    v = torch.tensor([0.25, -1.0], dtype=F64) if form.state else rule.init(theta)
    new_theta, new_state = rule.update(theta, grad, v, 0.1, 1)
    v_before = v if form.state else torch.zeros_like(theta)
    expected = theta - form.alpha * 0.1 * grad - form.beta * 0.1 * v_before
    torch.testing.assert_close(new_theta, expected, rtol=1e-14, atol=1e-14)
    if form.state:
        torch.testing.assert_close(new_state, form.mu * v + grad, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("name", ["adagrad", "rmsprop", "adam"])
def test_adaptive_rules_are_not_affine(name: str) -> None:
    assert make_rule(RunConfig(optimizer=name)).affine() is None


def test_adam_record_derives_the_corrected_means() -> None:
    """Adam's first step is η·sign(g) (up to ε): m̂ = g, ŝ = g², θ = 1 − 0.01·(−1)."""
    theta, grad = torch.tensor([1.0], dtype=F64), torch.tensor([-2.0], dtype=F64)
    rule = Adam()
    state0 = rule.init(theta)
    new_theta, state1 = rule.update(theta, grad, state0, 0.01, 1)
    record = rule.record(theta.numpy(), grad.numpy(), 0.01, 1, (state0.numpy(), state1.numpy()),
                         new_theta.numpy())  # fmt: skip
    np.testing.assert_allclose(record.after["m̂"], [-2.0])
    np.testing.assert_allclose(record.after["ŝ"], [4.0])
    np.testing.assert_allclose(record.after["θ"], [1.01])


def test_importing_does_not_load_torch() -> None:
    code = (
        "import sys; import linreg_tui.engine.optimizers, linreg_tui.engine.schedules; "
        "assert 'torch' not in sys.modules and 'numpy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_a_runs_update_record_comes_from_its_history(name: str) -> None:
    """Run.update_record reads θ, g and the state before and after from the Step and the
    History (the fast-forward's rows included), and the equations reproduce them."""
    from linreg_tui.engine.data import Dataset
    from linreg_tui.engine.run import Run

    data = Dataset("t", [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.5], ("x",), "y")
    run = Run(data, RunConfig(optimizer=name, lr=0.01, batch=BatchSpec("sgd")))
    run.fast_forward(4)  # the scan for momentum, stepping for adam
    step = run.last_step
    assert step is not None and step.update == 12
    record = run.update_record(step)
    slot = record.equations[0].target
    np.testing.assert_array_equal(record.before[slot], run.history.state_at(11)[:2])
    np.testing.assert_array_equal(record.after["θ"], step.params_after)
    values = dict(record.before)
    for eq in record.equations:
        np.testing.assert_allclose(_evaluate(eq.expr, values), record.after[eq.target], rtol=1e-9)
        values[eq.target] = record.after[eq.target]
