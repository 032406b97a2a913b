"""What autograd or nn.Module did for the latest update, as the PyTorch lines that produced
the step panel's numbers, and how far they are from the hand formula.

The three ways to get a gradient must agree (DESIGN.md); with ``g`` the learner sees the
code of the chosen way and the difference the engine measured (``Step.grad_check``).
"""

from __future__ import annotations

from linreg_tui.engine import get_loss
from linreg_tui.tui.format import num
from linreg_tui.tui.i18n import t
from linreg_tui.tui.snapshot import RunSnapshot

from .wrap import Line


def _prediction(d: int, bias: bool) -> str:
    """ŷ as PyTorch code: ``w*x + b`` for one feature, ``x @ w + b`` for several."""
    core = "w*x" if d == 1 else "x @ w"
    return f"{core} + b" if bias else core


def _loss_code(loss_name: str, inner: str) -> str:
    """The loss as the autograd code writes it, e.g. ``((w*x + b - y)**2).mean()``."""
    loss = get_loss(loss_name)
    code = f"(({inner} - y)**2).{'mean' if loss.mean else 'sum'}()"
    return f"0.5 * {code}" if loss.half else code


def _criterion(loss_name: str) -> str:
    loss = get_loss(loss_name)
    crit = "nn.MSELoss()" if loss.mean else "nn.MSELoss(reduction='sum')"
    return f"criterion = {crit}" + ("  # loss = 0.5 * criterion(…)" if loss.half else "")


def _grads(names: tuple[str, ...], grad: tuple[float, ...], module: bool) -> str:
    """``w.grad = -5.79621  b.grad = 1.2`` (or model.weight.grad / model.bias.grad)."""
    weights = [num(v) for n, v in zip(names, grad, strict=False) if n != "b"]
    w_text = weights[0] if len(weights) == 1 else "[" + ", ".join(weights[:4]) + "]"
    w_name = "model.weight.grad" if module else "w.grad"
    parts = [f"{w_name} = {w_text}"]
    if names and names[-1] == "b":
        parts.append(f"{'model.bias.grad' if module else 'b.grad'} = {num(grad[-1])}")
    return "   ".join(parts)


def method_lines(snap: RunSnapshot, lang: str) -> list[Line]:
    """The chosen gradient method's code with this update's numbers; [] for the formula."""
    step, cfg = snap.step, snap.choice.config
    if step is None or cfg.grad == "analytic":
        return []
    names = snap.facts.param_names
    grad = tuple(float(v) for v in step.batch_grad)
    d, bias = step.d, step.bias
    loss_line = f"  loss = {{code}}  → {num(step.batch_loss)}"
    if cfg.grad == "autograd":
        values = (
            "   ".join(
                f"{n} = torch.tensor({num(v)}, requires_grad=True)"
                for n, v in zip(names, step.params_before, strict=False)
                if n in ("w", "b")
            )
            or "w = torch.tensor([…], requires_grad=True)"
        )
        lines = [
            [(t("view.step.by_autograd", lang), "head")],
            [("  " + values, "")],
            [(loss_line.format(code=_loss_code(step.loss_name, _prediction(d, bias))), "")],
            [("  loss.backward()  → " + _grads(names, grad, module=False), "")],
        ]
    else:
        layer = f"model = nn.Linear({d}, 1, bias={bias})"
        lines = [
            [(t("view.step.by_module", lang), "head")],
            [(f"  {layer};  {_criterion(step.loss_name)}", "")],
            [(loss_line.format(code="criterion(model(x), y)"), "")],
            [("  optimizer.zero_grad(); loss.backward()", "")],
            [("  " + _grads(names, grad, module=True), "")],
            [("  " + t("view.step.optimizer_step", lang), "dim")],
        ]
    if step.grad_check is not None:
        gap = step.grad_check
        style = "good" if gap <= 1e-6 * max(1.0, max(abs(g) for g in grad)) else "warn"
        lines.append([("  " + t("view.step.agrees", lang, gap=f"{gap:.3g}"), style)])
    return lines
