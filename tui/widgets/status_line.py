"""The status line: where the run is, how it descends, and how it is doing.

Two lines: the facts (epoch, update, samples seen, lr, batch mode, optimizer, gradient
method, play state) and either a fresh message (what the last key did) or the diagnosis —
converging / converged / diverged at update k, with the largest stable learning rate.
"""

from __future__ import annotations

from rich.cells import cell_len

from linreg_tui.tui.format import num
from linreg_tui.tui.i18n import t
from linreg_tui.tui.snapshot import RunSnapshot

from .step_panel import Fragment, FragmentView, Line


def play_state(playing: bool, speed: int, lang: str) -> Fragment:
    """▶ playing 5/s or ⏸ paused — a symbol and a word, never colour alone."""
    if playing:
        return (t("view.status.playing", lang, speed=speed), "good")
    return (t("view.status.paused", lang, speed=speed), "dim")


def health_fragment(snap: RunSnapshot, lang: str) -> Fragment:
    """One sentence on the run's health, with the largest stable rate when it matters."""
    facts = snap.facts
    where = "" if facts.stable_lr_applies else t("view.diag.full_batch_only", lang)
    fields = {
        "loss": num(snap.loss),
        "best": num(facts.optimum_loss),
        "max": num(facts.max_stable_lr) + where,
        "lr": num(snap.choice.config.lr),
        "k": snap.diverged_at if snap.diverged_at is not None else snap.updates,
    }
    text = t(f"view.diag.{snap.health}", lang, **fields)
    style = "warn" if snap.health in ("diverged", "diverging") else "good"
    return (text, "dim" if snap.health == "ready" else style)


def facts_line(snap: RunSnapshot, lang: str) -> Line:
    cfg = snap.choice.config
    return [
        (
            t(
                "view.status.facts",
                lang,
                epoch=(snap.step.epoch if snap.step else 0) + 1,  # as the step panel says
                updates=snap.updates,
                samples=snap.samples_seen,
                lr=num(snap.lr),
                batch=t(f"view.batch.{cfg.batch.mode}", lang, size=cfg.batch.size or ""),
                opt=t(f"view.opt.{cfg.optimizer}", lang),
                grad=t(f"view.grad.{cfg.grad}", lang),
                data=snap.choice.data.label,
            ),
            "",
        )
    ]


def metrics_text(snap: RunSnapshot, short: bool) -> str:
    """MSE, RMSE, MAE and R² of θ now on all the data (engine.metrics), "" without them:
    ``MSE 2.55 · RMSE 1.6 · MAE 1.48 · R² 0.04``, or, ``short``, 3 significant digits and
    no dots."""
    if snap.metrics is None:
        return ""
    names = ("MSE", "RMSE", "MAE", "R²")
    sep = " " if short else " · "
    # a no-break space binds each name to its value: the line wraps between metrics only
    values = [f"{v:.3g}" if short else num(v) for v in snap.metrics]
    return sep.join(f"{n}\u00a0{v}" for n, v in zip(names, values, strict=True))


def status_lines(
    snap: RunSnapshot | None,
    *,
    playing: bool,
    speed: int,
    message: str,
    lang: str,
    width: int = 0,
) -> list[Line]:
    """The lines of the playground's status line; with ``width`` (cells) the metrics join
    the facts line when they fit there (long form, else short), else the second line
    after the play state (short form; the line wraps between metrics, never inside one),
    unless a fresh message has that line: the status line holds at most four rows, and
    the metrics come back with the next frame."""
    if snap is None:
        return [[(t("view.loading", lang), "dim")], [(message, "warn")] if message else []]
    first = facts_line(snap, lang)
    second: Line = [play_state(playing, speed, lang), ("  ", "")]
    used = cell_len(first[0][0])
    for short in (False, True):
        text = metrics_text(snap, short)
        if text and width and used + 3 + cell_len(text) <= width:
            first += [(" · ", ""), (text, "num")]
            break
    else:
        if width and not message and (text := metrics_text(snap, True)):
            second += [(text, "num"), ("  ", "")]
    second.append((message, "warn") if message else health_fragment(snap, lang))
    return [first, second]


class StatusLine(FragmentView):
    """Two lines of facts and diagnosis; set with :meth:`set_lines`."""

    DEFAULT_CSS = """
    StatusLine {
        /* two lines, or up to four when a long message wraps: text is never cut */
        height: auto;
        min-height: 2;
        max-height: 4;
        overflow: hidden hidden;
        background: $boost;
        padding: 0 1;
    }
    """


class TabStrip(FragmentView):
    """The narrow layout's panel switcher: ``[1 step]  2 fit  3 loss  4 landscape``."""

    DEFAULT_CSS = """
    TabStrip {
        height: 1;
        overflow: hidden hidden;
        padding: 0 1;
    }
    """


def tab_lines(panels: list[tuple[str, str]], active: str, hint: str) -> list[Line]:
    """One line naming each (id, label) panel, the active one in brackets (not colour alone)."""
    line: Line = []
    for number, (panel, label) in enumerate(panels, start=1):
        if panel == active:
            line.append((f"[{number} {label}]", "head"))
        else:
            line.append((f" {number} {label} ", "dim"))
        line.append((" ", ""))
    line.append((hint, "dim"))
    return [line]
