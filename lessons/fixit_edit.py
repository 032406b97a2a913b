"""A fix-it's edited line, read as the engine's mistake model: which loop did the learner write?

The learner edits the buggy line of a fix-it; the text is parsed with ``ast.parse`` (never
compiled, evaluated or executed) and matched against the few forms a training-loop line of
these exercises takes:

    P = P ± T    P -= T    P += T            a parameter update (T a product of factors)
    G.zero_()    G = None                    clearing an accumulated gradient
    A, B = A ± s, B ± t    A = s    A -= s    gradient sums (or overwrites) over a batch's rows

joined by ``;`` in any order. A term T is a product/quotient of names (``lr``, ``w.grad``,
``x``), numbers, parentheses and signs: ``-(2/N) * x * r`` is −2·N⁻¹·x·r. The edit is then
compared with the buggy line, term by term, and expressed in the engine's vocabulary: an engine
``mistake`` (or none), a factor on η, or a parameter that never moves. That is the loop the
engine runs for the learner (:func:`edit_result`); the edit is right when it is the repaired
loop itself: no mistake, η unchanged.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Checkpoint, Lesson

if TYPE_CHECKING:
    from .answers import LoopResult

MAX_EDIT = 200  # characters of an edited line read at most (a line is ≤ 64 in the course)
FIXED, SAME, OTHER, SCALED, FROZEN = "fixed", "same-bug", "other-bug", "scaled", "frozen"
UNREADABLE, NAMES, PARTIAL, TWO = "unreadable", "names", "partial", "two-mistakes"
RUNNABLE = (FIXED, SAME, OTHER, SCALED, FROZEN)  # verdicts the engine can run


@dataclass(frozen=True)
class Term:
    """coef · Π name^power; ``factors`` sorted by name, no zero powers."""

    coef: float
    factors: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class EditVerdict:
    """What an edited line does, in the engine's terms.

    reason: FIXED (the repaired loop), SAME (still the exercise's mistake), OTHER (another
    engine mistake), SCALED (descends, with η·lr_scale), FROZEN (the parameter never moves),
    UNREADABLE (not one of the forms), NAMES (names the buggy line does not use, or a
    product of other quantities), PARTIAL (one gradient sum repaired, another not;
    ``detail`` names it), TWO (two mistakes at once: the engine runs one mistake a loop).
    """

    reason: str
    mistake: str | None = None
    lr_scale: float = 1.0
    detail: str = ""

    @property
    def fixed(self) -> bool:
        return self.reason == FIXED

    @property
    def runnable(self) -> bool:
        return self.reason in RUNNABLE


class _Unreadable(ValueError):
    """The text is not one of the forms."""


def _name(node: ast.AST) -> str:
    """``w``, ``w.grad``, ``w.grad.data``: a dotted name; anything else is unreadable."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _name(node.value) + "." + node.attr
    raise _Unreadable


def _combine(a: Term, b: Term, sign: int) -> Term:
    powers = dict(a.factors)
    for name, power in b.factors:
        powers[name] = powers.get(name, 0) + sign * power
    factors = tuple(sorted((k, v) for k, v in powers.items() if v))
    if sign < 0 and b.coef == 0:
        raise _Unreadable  # a division by zero
    return Term(a.coef * (b.coef if sign > 0 else 1 / b.coef), factors)


def term(node: ast.AST) -> Term:
    """A product of numbers and names, with signs, ``*`` and ``/`` (else _Unreadable)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        if isinstance(node.value, bool):
            raise _Unreadable
        return Term(float(node.value), ())
    if isinstance(node, (ast.Name, ast.Attribute)):
        return Term(1.0, ((_name(node), 1),))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = term(node.operand)
        return Term(-inner.coef if isinstance(node.op, ast.USub) else inner.coef, inner.factors)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        sign = 1 if isinstance(node.op, ast.Mult) else -1
        return _combine(term(node.left), term(node.right), sign)
    raise _Unreadable


def _increment(target: str, value: ast.AST) -> Term | None:
    """``target ± T`` → ±T (an accumulation); a bare T → None (an overwrite: see caller)."""
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub)):
        left, right = value.left, value.right
        sign = 1.0 if isinstance(value.op, ast.Add) else -1.0
        if _is(left, target):
            t = term(right)
            return Term(sign * t.coef, t.factors)
        if _is(right, target) and sign > 0:
            return term(left)
    return None


def _is(node: ast.AST, name: str) -> bool:
    try:
        return _name(node) == name
    except _Unreadable:
        return False


@dataclass(frozen=True)
class Statement:
    """One statement of a line: ``target`` gets ``step`` added (accumulate) or is set to it
    (overwrite); or ``target`` is cleared (zero)."""

    target: str
    step: Term | None  # None for a zero
    accumulate: bool = True


def statements(text: str) -> list[Statement]:
    """The statements of an edited line, in order (raises _Unreadable)."""
    source = text.strip()
    if not source or len(source) > MAX_EDIT:
        raise _Unreadable
    try:
        tree = ast.parse(source, mode="exec")
    except (SyntaxError, ValueError):
        raise _Unreadable from None
    out: list[Statement] = []
    for node in tree.body:
        out.extend(_statement(node))
    if not out:
        raise _Unreadable
    return out


def _statement(node: ast.stmt) -> list[Statement]:
    if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub)):
        t = term(node.value)
        sign = 1.0 if isinstance(node.op, ast.Add) else -1.0
        return [Statement(_name(node.target), Term(sign * t.coef, t.factors))]
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        call = node.value
        if isinstance(call.func, ast.Attribute) and call.func.attr == "zero_":
            if not call.args and not call.keywords:
                return [Statement(_name(call.func.value).removesuffix(".data"), None)]
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
        if isinstance(value, ast.Constant) and value.value is None:
            return [Statement(_name(target), None)]
        pairs = [(target, value)]
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            if len(target.elts) != len(value.elts):
                raise _Unreadable
            pairs = list(zip(target.elts, value.elts, strict=True))
        return [_assign(_name(t), v) for t, v in pairs]
    raise _Unreadable


def _assign(name: str, value: ast.AST) -> Statement:
    step = _increment(name, value)
    if step is not None:
        return Statement(name, step)
    return Statement(name, term(value), accumulate=False)


def _in_engine(scale: float, mistake: str | None) -> EditVerdict:
    """A step ``scale`` times the right one, with ``mistake`` besides: the engine's loop."""
    if scale == 0 or not math.isfinite(scale):
        return EditVerdict(FROZEN)
    if scale < 0:
        if mistake is not None:
            return EditVerdict(TWO, detail=f"{mistake}, sign-flip")
        mistake = "sign-flip"
    return EditVerdict("", mistake, abs(scale))


def read_edit(cp: Checkpoint, text: str) -> EditVerdict:
    """The engine loop that ``text``, replacing the fix-it's buggy line, makes."""
    return read_line_edit(cp.code[cp.bug_line - 1], cp.mistake, text)


def read_line_edit(line: str, mistake: str | None, text: str) -> EditVerdict:
    """:func:`read_edit` for a buggy ``line`` whose loop makes the engine ``mistake``."""
    try:
        buggy = statements(line)
        edited = statements(text)
    except _Unreadable:
        return EditVerdict(UNREADABLE)
    names = {n for s in buggy for n in _names(s)}
    if not {n for s in edited for n in _names(s)} <= names | _cleared(names):
        return EditVerdict(NAMES)
    if mistake == "overwrite-grad":
        verdict = _sums(buggy, edited)
    else:
        verdict = _update(buggy, edited, mistake)
    if verdict.reason:
        return verdict
    if verdict.mistake is None:
        reason = FIXED if verdict.lr_scale == 1 else SCALED
    else:
        reason = SAME if verdict.mistake == mistake else OTHER
    return EditVerdict(reason, verdict.mistake, verdict.lr_scale)


def line_names(cp: Checkpoint) -> set[str]:
    """The names the fix-it's buggy line uses (what an edit may combine)."""
    try:
        return {n for s in statements(cp.code[cp.bug_line - 1]) for n in _names(s)}
    except _Unreadable:
        return set()


def _names(s: Statement) -> set[str]:
    return {s.target} | ({n for n, _ in s.step.factors} if s.step is not None else set())


def _cleared(names: set[str]) -> set[str]:
    """A gradient may be cleared by name: ``w.grad`` of ``w``."""
    return {n + ".grad" for n in names}


def _update(buggy: list[Statement], edited: list[Statement], mistake: str | None) -> EditVerdict:
    """A parameter update (sign-flip, forget-zero-grad): one update, maybe one clearing."""
    ups = [s for s in buggy if s.step is not None]
    if len(ups) != 1 or ups[0].step is None:
        return EditVerdict(UNREADABLE)
    param, wrong = ups[0].target, ups[0].step
    right = Term(-wrong.coef, wrong.factors) if mistake == "sign-flip" else wrong
    mine = [s for s in edited if s.step is not None]
    if len(mine) != 1 or mine[0].target != param or not mine[0].accumulate:
        return EditVerdict(UNREADABLE)
    step = mine[0].step
    assert step is not None
    if step.factors != right.factors:
        return EditVerdict(NAMES)
    grads = {n for n, _ in right.factors if n.endswith(".grad")}
    cleared = [i for i, s in enumerate(edited) if s.step is None and s.target in grads]
    at = edited.index(mine[0])
    zero_mistake: str | None = None
    if grads and not cleared:
        zero_mistake = "forget-zero-grad"
    elif cleared and cleared[0] < at:
        return EditVerdict(FROZEN)  # cleared before it is used: the update adds 0
    return _in_engine(step.coef / right.coef, zero_mistake)


def _sums(buggy: list[Statement], edited: list[Statement]) -> EditVerdict:
    """Gradient sums over a batch's rows (overwrite-grad): each target must accumulate its
    buggy line's term, all by the same factor."""
    scales: list[float] = []
    overwritten: list[str] = []
    for wrong in buggy:
        mine = [s for s in edited if s.target == wrong.target and s.step is not None]
        if len(mine) != 1 or wrong.step is None or mine[0].step is None:
            return EditVerdict(UNREADABLE)
        step = mine[0].step
        if step.factors != wrong.step.factors:
            return EditVerdict(NAMES)
        scales.append(step.coef / wrong.step.coef)
        if not mine[0].accumulate:
            overwritten.append(wrong.target)
    if overwritten and len(overwritten) < len(buggy):
        return EditVerdict(PARTIAL, detail=", ".join(overwritten))
    if any(not math.isclose(s, scales[0], rel_tol=1e-12) for s in scales):
        return EditVerdict(PARTIAL, detail=buggy[-1].target)
    return _in_engine(scales[0], "overwrite-grad" if overwritten else None)


def edit_result(lesson: Lesson, cp: Checkpoint, verdict: EditVerdict) -> LoopResult:
    """Run the learner's loop in the engine for the fix-it's updates: the checkpoint's preset
    with the edit's mistake and η·lr_scale (a frozen parameter: no update moves it)."""
    from .answers import LoopResult, make_run
    from .schema import FIXIT_RUN_UPDATES

    if not verdict.runnable:
        raise ValueError(f"an edit the engine cannot run: {verdict.reason}")
    base = lesson.preset.with_overrides(cp.preset)
    lr = float(base.to_config().lr) * verdict.lr_scale
    run = make_run(base.with_overrides({"mistake": verdict.mistake, "lr": lr}))
    if verdict.reason == FROZEN:
        return LoopResult(float(run.loss), 0, None)
    run.run_until(update=cp.run_updates or FIXIT_RUN_UPDATES)
    return LoopResult(float(run.loss), run.updates, run.diverged_at)
