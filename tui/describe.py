"""Describe mode: each update as one plain sentence, for screen readers and for learners
who prefer words (the headless ``run --describe`` and, later, the app use it).

    Update 3 used row 3 (hours 3, score 6): the prediction was 3.30, the gradient −16.23,
    so w went from 1.10 to 1.26; the loss on all data fell from 3.79 to 2.55.

Only formatting: every number comes from the Step and the (w, b) pairs the caller passes
(``Run.to_original`` of the Step's parameters); nothing is recomputed. Rows count from 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from linreg_tui.tui.i18n import t

if TYPE_CHECKING:
    from linreg_tui.engine import Step

ROWS_LISTED = 8  # a batch of more rows is named by its size alone


def number(value: float) -> str:
    """Two decimals for everyday sizes, 3 significant digits otherwise; a true minus sign."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    text = f"{value:.2f}" if value == 0 or 0.01 <= abs(value) < 1e5 else f"{value:.3g}"
    return text.replace("-", "−")


def datum(value: float) -> str:
    """A data value as written in a table: 3 stays 3, 2.5 stays 2.5 (up to 6 digits)."""
    return f"{value:.6g}".replace("-", "−")


def _head(step: Step, features: Sequence[str], target: str, lang: str) -> str:
    rows = [int(r) for r in step.rows]
    fields = {"update": step.update, "count": len(rows), "batch_loss": number(step.batch_loss)}
    if rows and rows[0] < 0:
        return t("describe.stream", lang, **fields)
    if len(rows) == 1:
        x = [float(v) for v in step.x[0]]
        values = [f"{n} {datum(v)}" for n, v in zip(features, x, strict=True)]
        values.append(f"{target} {datum(float(step.y[0]))}")
        return t("describe.one_row", lang, update=step.update, row=rows[0] + 1,
                 values=t("describe.sep", lang).join(values))  # fmt: skip
    if len(rows) > ROWS_LISTED:
        return t("describe.many_rows", lang, **fields)
    listed = ", ".join(str(r + 1) for r in rows)
    return t("describe.rows", lang, rows=listed, **fields)


def _gradient(step: Step, features: Sequence[str], bias: bool) -> str:
    grad = [float(g) for g in step.grad]
    if len(grad) == 1:
        return number(grad[0])
    names = [f"∂L/∂{n}" for n in features] if len(features) > 1 else ["∂L/∂w"]
    names += ["∂L/∂b"] if bias else []
    return "(" + ", ".join(f"{n} {number(g)}" for n, g in zip(names, grad, strict=True)) + ")"


def _moves(before: tuple[list[float], float | None], after: tuple[list[float], float | None],
           features: Sequence[str], lang: str) -> str:  # fmt: skip
    (w0, b0), (w1, b1) = before, after
    names = ["w"] if len(w0) == 1 else [f"w_{n}" for n in features]
    parts = [t("describe.move", lang, name=n, before=number(a), after=number(b))
             for n, a, b in zip(names, w0, w1, strict=True)]  # fmt: skip
    if b0 is not None and b1 is not None:
        parts.append(t("describe.move", lang, name="b", before=number(b0), after=number(b1)))
    return t("describe.and", lang).join(parts)


def describe_step(
    step: Step,
    *,
    features: Sequence[str],
    target: str,
    before: tuple[list[float], float | None],
    after: tuple[list[float], float | None],
    lang: str = "en",
) -> str:
    """One sentence for ``step``; ``before``/``after`` are (w, b) in the data's units."""
    body = []
    if len(step.rows) == 1:
        body.append(t("describe.prediction", lang, prediction=number(float(step.predictions[0]))))
    body.append(t("describe.gradient", lang, gradient=_gradient(step, features, step.bias)))
    body.append(t("describe.moved", lang, moves=_moves(before, after, features, lang)))
    l0, l1 = number(step.loss_before), number(step.loss_after)
    trend = "stayed" if l0 == l1 else ("fell" if step.loss_after < step.loss_before else "rose")
    loss = t(f"describe.{trend}", lang, before=l0, after=l1)
    sep = t("describe.sep", lang)
    return t("describe.sentence", lang, head=_head(step, features, target, lang),
             body=sep.join(body), loss=loss)  # fmt: skip
