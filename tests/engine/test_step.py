"""Step: every array of a Step is read-only, whoever built it and however it was batched."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from linreg_tui.engine.config import BatchSpec, RunConfig
from linreg_tui.engine.data import Dataset
from linreg_tui.engine.run import Run
from linreg_tui.engine.step import ARRAY_FIELDS, Step

DATA = Dataset(
    "t", [[1.0, 0.5], [2.0, -1.0], [3.0, 2.0], [4.0, 0.0]], [2.0, 4.0, 7.0, 8.0], ("a", "b"), "y"
)


def test_array_fields_are_every_ndarray_field() -> None:
    expected = {
        "rows",
        "x",
        "y",
        "predictions",
        "residuals",
        "grad",
        "batch_grad",
        "per_sample",
        "params_before",
        "params_after",
    }
    assert set(ARRAY_FIELDS) == expected


@pytest.mark.parametrize("mode", ["full", "minibatch", "sgd"])
def test_writing_to_any_array_of_a_step_raises(mode: str) -> None:
    batch = BatchSpec(mode, 2) if mode == "minibatch" else BatchSpec(mode)
    run = Run(DATA, RunConfig(lr=0.01, batch=batch))
    step = run.step()
    for name in ARRAY_FIELDS:
        arr = getattr(step, name)
        assert arr is not None, name  # 4 rows ≤ 32: per_sample is kept too
        with pytest.raises(ValueError, match="read-only"):
            arr[...] = 0
        with pytest.raises(ValueError, match="read-only"):
            arr.flat[0] = 1


def test_a_step_built_from_writable_arrays_freezes_them_without_touching_the_caller() -> None:
    run = Run(DATA, RunConfig(lr=0.01))
    step = run.step()
    owned = {name: np.array(getattr(step, name)) for name in ARRAY_FIELDS}
    rebuilt = dataclasses.replace(step, **owned)
    for name, original in owned.items():
        assert original.flags.writeable, name  # the caller's array is unchanged
        with pytest.raises(ValueError, match="read-only"):
            getattr(rebuilt, name)[...] = 0
    original = owned["grad"]
    original[0] = 123.0  # the caller may still write its own array: the Step holds a view
    assert rebuilt.grad[0] == 123.0


def test_fields_cannot_be_reassigned_and_stepping_still_works() -> None:
    run = Run(DATA, RunConfig(lr=0.01, batch=BatchSpec("minibatch", 2)))
    steps = [run.step() for _ in range(5)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        steps[0].grad = np.zeros(3)  # type: ignore[misc]
    run.step_back()
    again = run.step()
    np.testing.assert_array_equal(again.params_after, steps[-1].params_after)
    assert isinstance(again, Step)
