"""The small language of ``compute`` answers, parsed without eval().

An expression is arithmetic (``+ - * /``, unary minus, parentheses,
numbers) over these quantities, all computed by the engine from the
checkpoint's preset (the lesson preset plus the item's overrides):

    step(N).F             the N-th update (1-based) of a fresh run; F is one of
                          grad.w[i] grad.b grad_norm batch_loss loss_after lr
                          w_before[i] b_before w_after[i] b_after epoch samples_seen
    start.S               before any update
    after(updates=N).S    after N updates
    after(epochs=N).S     after N epochs
    optimum.S             the exact least-squares solution (closed form)
                          where S is w[i] | b | loss | predict(x1, …, xd)
    loss_at(θ1, …, θp)    full-data loss at weights then bias θ
    max_stable_lr         2/λ_max: the largest learning rate for which
                          full-batch gradient descent does not diverge
    condition_number      κ = λ_max/λ_min of the loss's Hessian
    mean_x[i], mean_y     the data's mean of feature i and of the target
    epoch_loss_max(E1, E2), epoch_loss_min(E1, E2)
                          the largest / smallest full-data loss at the end of
                          epochs E1 to E2 (both included); ``run=K`` as a third
                          argument takes the K-th run (1-based) of a compare view
    S may also be residual[i]: ŷ − y of the data's row i (0-based)
    a ** b                a power (e.g. a factor per update raised to the updates)
    x_min[i], x_max[i]    the smallest and largest value of feature i in the data
    mean_loss(A, B)       the mean of the full-data loss after updates A … B (1-based,
    max_loss(A, B)        inclusive) of a fresh run; max_loss: the largest of them
    converged_at(N)       the first update (of at most N) after which the full-data
                          gradient norm is below the engine's tolerance ("converged")
    using(E, k=v, …)      E computed on the preset with settings k replaced by v (a
                          number, a string, True/False, None for the default, or a
                          list of numbers), e.g. using(after(epochs=50).loss, batch='sgd')
    grad_spread(B)        the spread of size-B mini-batch gradients around the full
                          gradient at the start: √(E‖g_B − ∇L‖²), batches drawn without
                          replacement (engine.noise's exact trace)

Indices are 0-based (``w[0]`` is the first weight). The source is parsed
with ``ast.parse`` and every node is checked against this grammar; no name,
call or attribute outside it is accepted, and nothing is ever executed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

STEP_FIELDS = (
    "grad.w",
    "grad.b",
    "grad_norm",
    "batch_loss",
    "loss_after",
    "lr",
    "w_before",
    "b_before",
    "w_after",
    "b_after",
    "epoch",
    "samples_seen",
)
INDEXED_STEP_FIELDS = ("grad.w", "w_before", "w_after")
STATE_FIELDS = ("w", "b", "loss", "predict", "residual")
INDEXED_STATE_FIELDS = ("w", "residual")
SOURCES = ("start", "after", "optimum")


class ExpressionError(ValueError):
    """A compute expression outside the grammar; the message says what is valid."""


@dataclass(frozen=True)
class Num:
    """A literal number."""

    value: float


@dataclass(frozen=True)
class Unary:
    """``-x`` or ``+x``."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary:
    """``a op b`` with op one of + - * /."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class StepQ:
    """A field of the ``update``-th Step (1-based); ``index`` for per-weight fields."""

    update: int
    field: str
    index: int | None = None


@dataclass(frozen=True)
class StateQ:
    """A quantity of the parameters at a point of the run or at the optimum.

    source: "start" | "updates" | "epochs" | "optimum"; count: N for after(...).
    """

    source: str
    count: int
    field: str
    index: int | None = None
    args: tuple[float, ...] = ()


@dataclass(frozen=True)
class LossAt:
    """Full-data loss at the given parameters (weights then bias)."""

    theta: tuple[float, ...]


@dataclass(frozen=True)
class Analysis:
    """A property of the preset's problem: max_stable_lr or condition_number."""

    name: str


@dataclass(frozen=True)
class DataQ:
    """A property of the preset's data: ``mean_x`` (of feature ``index``) or ``mean_y``."""

    name: str
    index: int | None = None


@dataclass(frozen=True)
class EpochLosses:
    """``epoch_loss_max``/``_min``: the extreme full-data loss over the ends of epochs
    ``first``…``last``, of the preset's run or of its compare view's ``run``-th (1-based)."""

    stat: str  # "max" | "min"
    first: int
    last: int
    run: int | None = None


@dataclass(frozen=True)
class Window:
    """``mean_loss(first, last)`` or ``max_loss(first, last)``: the full-data loss after
    updates first … last (1-based, inclusive) of a fresh run, averaged or maximised."""

    stat: str  # "mean" | "max"
    first: int
    last: int


@dataclass(frozen=True)
class Converged:
    """``converged_at(limit)``: the first update, of at most ``limit``, after which the run
    has converged (full-data ‖∇L‖ below the engine's tolerance)."""

    limit: int


@dataclass(frozen=True)
class Using:
    """``using(E, key=value, …)``: E on the preset with these settings replaced."""

    inner: Expr
    settings: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class Spread:
    """grad_spread(B): √tr Cov(g_B) of size-B batch gradients at the preset's start."""

    batch: int


ANALYSES = ("max_stable_lr", "condition_number")
DATA_NAMES = ("mean_x", "mean_y", "x_min", "x_max")
WINDOWS = {"mean_loss": "mean", "max_loss": "max"}
EPOCH_LOSSES = ("epoch_loss_max", "epoch_loss_min")
Expr = (
    Num
    | Unary
    | Binary
    | StepQ
    | StateQ
    | LossAt
    | Analysis
    | DataQ
    | EpochLosses
    | Window
    | Converged
    | Using
    | Spread
)

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_GRAMMAR = (
    "use numbers, + - * / **, and step(N).FIELD, start.S, after(updates=N).S, "
    "after(epochs=N).S, optimum.S (S: w[i], b, loss, predict(x…), residual[i]), loss_at(…), "
    "max_stable_lr, condition_number, mean_x[i], mean_y, x_min[i], x_max[i], "
    "mean_loss(A, B), max_loss(A, B), converged_at(N), using(E, setting=value, …), "
    "grad_spread(B)"
)


def parse_expression(source: str) -> Expr:
    """Parse ``source`` into an Expr, raising ExpressionError with what was expected."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"cannot parse {source!r}: {err.msg}") from None
    return _expr(tree.body)


def _number(node: ast.AST) -> float:
    """A literal number, possibly negated."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_number(node.operand)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        if not isinstance(node.value, bool):
            return float(node.value)
    raise ExpressionError(f"expected a number, got {ast.unparse(node)!r}")


def _count(node: ast.AST, what: str) -> int:
    """A positive whole number literal."""
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 1:
        return node.value
    raise ExpressionError(f"{what} must be a whole number ≥ 1, got {ast.unparse(node)!r}")


def _index(node: ast.AST) -> int:
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 0:
        return node.value
    raise ExpressionError(f"an index must be a whole number ≥ 0, got {ast.unparse(node)!r}")


def _expr(node: ast.AST) -> Expr:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        if not isinstance(node.value, bool):
            return Num(float(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return Unary("-" if isinstance(node.op, ast.USub) else "+", _expr(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return Binary(_BINOPS[type(node.op)], _expr(node.left), _expr(node.right))
    if isinstance(node, ast.Name) and node.id in ANALYSES:
        return Analysis(node.id)
    if _is_name(node, "mean_y"):
        return DataQ("mean_y")
    if isinstance(node, ast.Subscript) and _is_name(node.value, "mean_x"):
        return DataQ("mean_x", _index(node.slice))
    if _is_name(node, "mean_x"):
        raise ExpressionError("mean_x needs a feature index: mean_x[0]")
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id in ("x_min", "x_max"):
            return DataQ(node.value.id, _index(node.slice))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in EPOCH_LOSSES:
            return _epoch_losses(node, node.func.id[-3:])
        extra = _run_call(node)
        if extra is not None:
            return extra
    if isinstance(node, ast.Call) and _is_name(node.func, "loss_at"):
        if node.keywords or not node.args:
            raise ExpressionError("loss_at takes the parameters as numbers: loss_at(w1, …, b)")
        return LossAt(tuple(_number(a) for a in node.args))
    if isinstance(node, ast.Call) and _is_name(node.func, "grad_spread"):
        if node.keywords or len(node.args) != 1:
            raise ExpressionError("grad_spread takes one batch size: grad_spread(4)")
        return Spread(_count(node.args[0], "grad_spread's batch size"))
    return _quantity(node)


def _epoch_losses(node: ast.Call, stat: str) -> EpochLosses:
    """``epoch_loss_max(E1, E2)`` or ``(E1, E2, run=K)``, with 1 ≤ E1 ≤ E2."""
    usage = f"epoch_loss_{stat} takes two epochs and optionally run=K: epoch_loss_{stat}(10, 50)"
    if len(node.args) != 2 or any(k.arg != "run" for k in node.keywords):
        raise ExpressionError(usage)
    first, last = (_count(a, "an epoch") for a in node.args)
    if first > last:
        raise ExpressionError(f"{usage}; the first epoch comes before the last")
    run = _count(node.keywords[0].value, "run") if node.keywords else None
    return EpochLosses(stat, first, last, run)


def _run_call(node: ast.Call) -> Expr | None:
    """mean_loss/max_loss(A, B), converged_at(N), using(E, k=v…); None for another name."""
    assert isinstance(node.func, ast.Name)
    name = node.func.id
    if name in WINDOWS:
        if len(node.args) != 2 or node.keywords:
            raise ExpressionError(f"{name} takes two update numbers: {name}(2001, 20000)")
        first = _count(node.args[0], f"{name}'s first update")
        last = _count(node.args[1], f"{name}'s last update")
        if last < first:
            raise ExpressionError(f"{name}: the last update comes before the first")
        return Window(WINDOWS[name], first, last)
    if name == "converged_at":
        if len(node.args) != 1 or node.keywords:
            raise ExpressionError("converged_at takes the most updates to run: converged_at(500)")
        return Converged(_count(node.args[0], "converged_at's update limit"))
    if name == "using":
        return _using(node)
    return None


def _using(node: ast.Call) -> Using:
    from .schema import PRESET_SETTINGS

    if len(node.args) != 1 or not node.keywords:
        raise ExpressionError("using takes an expression and settings: using(E, lr=0.1)")
    settings: list[tuple[str, object]] = []
    for kw in node.keywords:
        if kw.arg not in PRESET_SETTINGS or kw.arg == "dataset":
            raise ExpressionError(f"using: {kw.arg!r} is not a preset setting")
        settings.append((kw.arg, _setting_value(kw.value)))
    return Using(_expr(node.args[0]), tuple(settings))


def _setting_value(node: ast.AST) -> object:
    """A literal setting: a number, a string, True/False, None or a list of numbers."""
    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, (bool, str, int))
    ):
        return node.value  # an int stays an int (seed)
    if isinstance(node, ast.List):
        return [_number(item) for item in node.elts]
    return _number(node)


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _quantity(node: ast.AST) -> Expr:
    """step(N).F…, start.S, after(…).S, optimum.S — peeled from the outside in."""
    index: int | None = None
    args: tuple[float, ...] = ()
    if isinstance(node, ast.Subscript):
        index = _index(node.slice)
        node = node.value
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr != "predict" or node.keywords or not node.args:
            raise ExpressionError(f"unknown call in {ast.unparse(node)!r}; {_GRAMMAR}")
        args = tuple(_number(a) for a in node.args)
        node = node.func
    if not isinstance(node, ast.Attribute):
        raise ExpressionError(f"unknown quantity {ast.unparse(node)!r}; {_GRAMMAR}")
    names = [node.attr]
    base: ast.AST = node.value
    while isinstance(base, ast.Attribute):
        names.insert(0, base.attr)
        base = base.value
    field = ".".join(names)
    if isinstance(base, ast.Call) and _is_name(base.func, "step"):
        if len(base.args) != 1 or base.keywords:
            raise ExpressionError("step takes one update number: step(1)")
        return _step_q(_count(base.args[0], "step's update number"), field, index, args)
    source, count = _source(base)
    if field not in STATE_FIELDS:
        raise ExpressionError(f"unknown field {field!r}; choose one of: {', '.join(STATE_FIELDS)}")
    if (field in INDEXED_STATE_FIELDS) != (index is not None):
        raise ExpressionError(
            "w and residual need an index (w[0], residual[2]); b, loss and predict(…) take none"
        )
    if (field == "predict") != bool(args):
        raise ExpressionError("predict needs the input values: predict(4)")
    return StateQ(source, count, field, index, args)


def _step_q(update: int, field: str, index: int | None, args: tuple[float, ...]) -> StepQ:
    if args or field not in STEP_FIELDS:
        raise ExpressionError(
            f"unknown step field {field!r}; choose one of: {', '.join(STEP_FIELDS)}"
        )
    if (field in INDEXED_STEP_FIELDS) != (index is not None):
        raise ExpressionError(
            f"step field {field!r} "
            + ("needs an index, e.g. [0]" if field in INDEXED_STEP_FIELDS else "takes no index")
        )
    return StepQ(update, field, index)


def _source(node: ast.AST) -> tuple[str, int]:
    if _is_name(node, "start"):
        return "start", 0
    if _is_name(node, "optimum"):
        return "optimum", 0
    if isinstance(node, ast.Call) and _is_name(node.func, "after"):
        if len(node.keywords) == 1 and not node.args:
            kw = node.keywords[0]
            if kw.arg in ("updates", "epochs"):
                return kw.arg, _count(kw.value, kw.arg)
        raise ExpressionError("after takes updates=N or epochs=N, e.g. after(epochs=10)")
    raise ExpressionError(f"unknown quantity {ast.unparse(node)!r}; {_GRAMMAR}")


def atoms(expr: Expr) -> list[Expr]:
    """The quantities (non-arithmetic leaves other than numbers) in ``expr``, left to right."""
    if isinstance(expr, Unary):
        return atoms(expr.operand)
    if isinstance(expr, Binary):
        return atoms(expr.left) + atoms(expr.right)
    if isinstance(expr, Using):
        return atoms(expr.inner)
    return [] if isinstance(expr, Num) else [expr]
