"""Number and formula text: the one formatting module of the app, the text log and exports.

Pure strings: no Textual, no Rich, no torch (the headless CLI imports it). The step panel,
the charts' labels, the compare cards, the headless text log and the export dialog all
spell numbers, the model, the loss and an optimizer's update through these functions, so a
number reads the same everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from linreg_tui.engine import Equation, UpdateRecord, get_loss

MODEL_TERMS = 4  # weights written out in a model formula before it elides the middle ones


def num(value: float | None) -> str:
    """A number as the learner reads it: up to 6 significant digits, floats keep a ``.0``
    (``-2.0``, ``1.0984``, ``-16.2288``), huge or tiny ones in e-notation; ``-`` for None."""
    if value is None:
        return "-"
    value = float(value)
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value == 0:
        return "0.0"
    if 1e-4 <= abs(value) < 1e7:
        text = f"{value:.6g}"
        return text if ("." in text or "e" in text) else text + ".0"
    return f"{value:.4e}"


def paren(value: float) -> str:
    """A number ready to follow an operator: negative ones in parentheses."""
    text = num(value)
    return f"({text})" if text.startswith("-") else text


def vec(values: Sequence[float] | float, bare: bool = True) -> str:
    """One value alone (``paren`` unless ``bare``), several as ``[a, b, c]``."""
    if isinstance(values, (int, float)):
        values = [float(values)]
    if len(values) == 1:
        return num(values[0]) if bare else paren(values[0])
    return "[" + ", ".join(num(v) for v in values) + "]"


def model_formula(features: Sequence[str], bias: bool, max_terms: int = MODEL_TERMS) -> str:
    """``ŷ = w·hours + b`` for one feature, ``ŷ = w1·x1 + w2·x2 + b`` for up to ``max_terms``,
    and ``ŷ = w1·x1 + … + w9·x9 + b`` beyond (any number of features, never empty)."""
    if len(features) == 1:
        terms = [f"w·{features[0]}"]
    elif len(features) <= max_terms:
        terms = [f"w{j + 1}·{name}" for j, name in enumerate(features)]
    else:
        terms = [f"w1·{features[0]}", "…", f"w{len(features)}·{features[-1]}"]
    return "ŷ = " + " + ".join(terms + (["b"] if bias else []))


def loss_formula(loss: str) -> str:
    """L over a batch of n rows, e.g. ``L = (1/n)·Σ (ŷ − y)²`` (from engine.losses)."""
    return get_loss(loss).formula


def loss_short(loss: str) -> str:
    """The compact form a settings list shows, e.g. ``1/n·Σr²``."""
    return get_loss(loss).short


def grad_factor_text(loss: str) -> str:
    """2c written before ``Σ …`` in a gradient, e.g. ``(2/n)·`` for mse (empty for ½·Σ)."""
    return get_loss(loss).grad_text


def gradient_formula(loss: str, bias: bool) -> str:
    """``∂L/∂w = 2c·Σ x·(ŷ − y)`` (and ∂L/∂b) with the loss's 2c spelled out."""
    factor = grad_factor_text(loss)
    text = f"∂L/∂w = {factor}Σ x·(ŷ − y)"
    if bias:
        text += f",  ∂L/∂b = {factor}Σ (ŷ − y)"
    return text


# -- an optimizer's update, from the rule's equations -----------------------------------------

_SYMBOL = re.compile(r"\{([^{}]+)\}")
PARAMS_SHOWN = 12  # parameters whose update lines the panel writes out


def _is_vector(value: object) -> bool:
    return not isinstance(value, (int, float))


def update_lines(
    record: UpdateRecord, names: Sequence[str], limit: int = PARAMS_SHOWN
) -> list[tuple[str, str]]:
    """The rule's equations for each parameter, with its numbers: a list of
    (``v_w ← μ·v_w + g = 0.9·0.0 + (-7.84) = ``, the new value's text).

    Every optimizer is written this one way, from the rule's data (engine.optimizers): θ
    reads as the parameter's name (``w``, ``b``), a state or derived value as
    ``<symbol>_<parameter>`` (``v_w``, ``m̂_b``, as in the generated code), g as that
    parameter's gradient; constants and η keep their symbol. Lines read in order, so a
    symbol a line has set means its new value in the lines after it.
    """
    out: list[tuple[str, str]] = []
    for j, name in enumerate(names[:limit]):
        values = dict(record.before)
        for eq in record.equations:
            new = record.after[eq.target]
            out.append((_equation_text(eq, name, j, values, record.after), num(float(new[j]))))
            values[eq.target] = new
    return out


def _equation_text(
    eq: Equation, name: str, j: int, values: Mapping[str, object], targets: Mapping[str, object]
) -> str:
    """``v_w ← μ·v_w + g = 0.9·0.0 + (-7.84) = `` for parameter ``name`` (index j)."""

    def label(symbol: str) -> str:
        if symbol == "θ":
            return name
        return f"{symbol}_{name}" if symbol in targets else symbol

    def number(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if _is_vector(value):
            return paren(float(value[j]))  # type: ignore[index]
        return str(value) if isinstance(value, int) else paren(float(value))  # type: ignore[arg-type]

    symbols = _SYMBOL.sub(lambda m: label(m.group(1)), eq.expr)
    return f"{label(eq.target)} {eq.sign} {symbols} = {_SYMBOL.sub(number, eq.expr)} = "
