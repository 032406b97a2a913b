"""Learning-rate schedules against torch.optim.lr_scheduler, and lr_series against lr_at."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_tui.engine.config import ScheduleSpec, parse_schedule
from linreg_tui.engine.errors import ConfigError
from linreg_tui.engine.schedules import describe, lr_at, lr_series

UPDATES = 60


def _torch_rates(make_scheduler, base_lr: float) -> list[float]:
    """The lr torch uses for each of UPDATES updates, stepping the scheduler once per update."""
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([param], lr=base_lr)
    sched = make_scheduler(opt)
    rates = []
    for _ in range(UPDATES):
        rates.append(opt.param_groups[0]["lr"])
        param.grad = torch.ones(1, dtype=torch.float64)
        opt.step()
        sched.step()
    return rates


@pytest.mark.parametrize(
    "text,make_scheduler",
    [
        ("step:7:0.5", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
        ("step:1:0.9", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.9)),
        ("step:25:0.3", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=25, gamma=0.3)),
        ("exp:0.95", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.95)),
        ("exp:1", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=1.0)),
        ("inv:0.1", lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + 0.1 * t))),
        ("inv:3", lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + 3 * t))),
        ("constant", lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: 1.0)),
    ],
)
def test_matches_torch_schedulers(text: str, make_scheduler) -> None:
    schedule, base_lr = parse_schedule(text), 0.037
    expected = _torch_rates(make_scheduler, base_lr)
    ours = [lr_at(schedule, base_lr, t) for t in range(UPDATES)]
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(lr_series(schedule, base_lr, 0, UPDATES), ours)


def test_hand_values() -> None:
    assert [lr_at(ScheduleSpec("step", 2, 0.5), 1.0, t) for t in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    assert [lr_at(ScheduleSpec("exp", 1, 0.5), 8.0, t) for t in range(4)] == [8, 4, 2, 1]
    assert [lr_at(ScheduleSpec("inv", 1, 1.0), 6.0, t) for t in range(3)] == [6, 3, 2]
    assert lr_at(ScheduleSpec(), 0.01, 10_000) == 0.01


schedules = st.one_of(
    st.just(ScheduleSpec()),
    st.builds(
        ScheduleSpec,
        st.just("step"),
        st.integers(1, 50),
        st.floats(0.01, 1.0, exclude_min=True),
    ),
    st.builds(ScheduleSpec, st.just("exp"), st.just(1), st.floats(0.5, 1.0)),
    st.builds(ScheduleSpec, st.just("inv"), st.just(1), st.floats(0.0, 10.0)),
)


@settings(max_examples=60, deadline=None)
@given(
    schedule=schedules,
    base_lr=st.floats(1e-6, 10.0),
    start=st.integers(0, 5000),
    count=st.integers(0, 300),
)
def test_series_equals_lr_at_exactly(
    schedule: ScheduleSpec, base_lr: float, start: int, count: int
) -> None:
    series = lr_series(schedule, base_lr, start, count)
    assert series.dtype == np.float64 and series.shape == (count,)
    np.testing.assert_array_equal(
        series, [lr_at(schedule, base_lr, t) for t in range(start, start + count)]
    )


def test_bad_input() -> None:
    with pytest.raises(ConfigError, match="unknown schedule 'cosine'"):
        lr_at(ScheduleSpec("cosine"), 0.1, 0)
    with pytest.raises(ConfigError, match="unknown schedule"):
        lr_series(ScheduleSpec("cosine"), 0.1, 0, 0)
    with pytest.raises(ValueError, match="0-based"):
        lr_at(ScheduleSpec(), 0.1, -1)
    with pytest.raises(ValueError, match="start"):
        lr_series(ScheduleSpec(), 0.1, -1, 3)


def test_describe() -> None:
    assert describe(ScheduleSpec()) == "η_t = η  (constant)"
    text = describe(parse_schedule("step:100:0.5"))
    assert "0.5^⌊t/100⌋" in text and "every 100 updates" in text
    assert "0.99^t" in describe(parse_schedule("exp:0.99"))
    assert describe(parse_schedule("inv:0.01"), base_lr=0.1).startswith("η_t = 0.1/(1 + 0.01·t)")
