"""The loss registry: one entry per loss, agreeing with the config and with torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from linreg_tui.engine.config import LOSSES as CONFIG_LOSSES
from linreg_tui.engine.errors import ConfigError
from linreg_tui.engine.losses import LOSSES, get_loss, loss_scale


def test_the_registry_holds_every_loss_the_config_accepts() -> None:
    assert tuple(LOSSES) == CONFIG_LOSSES
    assert all(LOSSES[name].name == name for name in LOSSES)


@pytest.mark.parametrize(
    ("name", "rows", "c"),
    [("mse", 4, 0.25), ("half_mse", 4, 0.125), ("sse", 4, 1.0), ("half_sse", 4, 0.5)],
)
def test_scale_and_gradient_factor(name: str, rows: int, c: float) -> None:
    assert loss_scale(name, rows) == c
    assert get_loss(name).grad_factor(rows) == 2 * c


def test_scale_works_on_an_array_of_batch_sizes() -> None:
    np.testing.assert_allclose(loss_scale("mse", np.array([1.0, 2.0, 4.0])), [1, 0.5, 0.25])


@pytest.mark.parametrize("name", list(LOSSES))
def test_torch_reduction_and_half_give_the_loss(name: str) -> None:
    """½·MSELoss(reduction) equals c·Σ r², the registry's own definition."""
    loss = get_loss(name)
    pred, y = torch.tensor([1.0, 2.0, 5.0]), torch.tensor([0.0, 2.5, 3.0])
    module = loss.constant * torch.nn.MSELoss(reduction=loss.reduction)(pred, y)
    r = pred - y
    assert float(module) == pytest.approx(loss.scale(3) * float(r @ r))
    assert eval(loss.code_scale, {"rows": 3}) == loss.scale(3)


def test_texts_in_both_languages() -> None:
    mse = get_loss("mse")
    assert mse.text("en") == "L = (1/n)·Σ (ŷ − y)²  (mean squared error)"
    assert mse.text("zh") == "L = (1/n)·Σ (ŷ − y)²  (均方误差)"
    assert mse.title("fr") == "mean squared error"
    assert all(dict(entry.titles).keys() == {"en", "zh"} for entry in LOSSES.values())


def test_unknown_loss_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="unknown loss 'mae'.*half_sse"):
        get_loss("mae")
