"""The describe key's text: the current run in words, plain text for screen readers.

First one sentence per chart (what it shows now: trend, current value, distance to the
optimum), then the describe sentences of the latest updates — the very sentences of
``linreg-tui run --describe`` (tui.describe.describe_step), oldest first. Only formatting:
numbers come from the snapshot and from the Run's public readers (step_at, to_original).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .describe import describe_step, number
from .i18n import t

if TYPE_CHECKING:
    from linreg_tui.engine import Run

    from .snapshot import RunFacts, RunSnapshot, SessionSnapshot

SENTENCES = 40  # updates described (the latest ones); earlier ones are counted


def loss_summary(run: RunSnapshot, lang: str) -> str:
    """The loss chart in one sentence: first and current loss, trend, gap to L*."""
    first, now = float(run.trace_loss[0]), run.loss
    best = run.facts.optimum_loss
    if run.updates == 0:
        return t("describe.chart.loss_start", lang, now=number(now), best=number(best))
    trend = "stayed" if number(first) == number(now) else ("fell" if now < first else "rose")
    return t(f"describe.chart.loss_{trend}", lang, updates=run.updates, first=number(first),
             now=number(now), best=number(best), gap=number(now - best))  # fmt: skip


def _params(names: tuple[str, ...], w: tuple[float, ...], b: float | None) -> str:
    values = [*w, *([b] if b is not None else [])]
    return ", ".join(f"{n} {number(v)}" for n, v in zip(names, values, strict=False))


def distance(run: RunSnapshot) -> float:
    """‖(w, b) − (w*, b*)‖ in the data's original units."""
    gaps = [a - c for a, c in zip(run.w, run.facts.lsq_w, strict=True)]
    if run.b is not None and run.facts.lsq_b is not None:
        gaps.append(run.b - run.facts.lsq_b)
    return math.sqrt(sum(g * g for g in gaps))


def fit_summary(run: RunSnapshot, lang: str) -> str:
    """The fit chart in one sentence: the line now and the least-squares line."""
    names = run.facts.param_names
    return t("describe.chart.fit", lang, now=_params(names, run.w, run.b),
             lsq=_params(names, run.facts.lsq_w, run.facts.lsq_b))  # fmt: skip


def land_summary(run: RunSnapshot, lang: str) -> str:
    """The landscape in one sentence: where θ is, the optimum, the distance between."""
    names = run.facts.param_names
    return t("describe.chart.land", lang, now=_params(names, run.w, run.b),
             star=_params(names, run.facts.lsq_w, run.facts.lsq_b),
             dist=number(distance(run)))  # fmt: skip


def noise_summary(run: RunSnapshot, lang: str) -> str:
    """The noise cloud in one sentence ("" when it is not shown)."""
    cloud = run.noise
    if cloud is None:
        return ""
    return t("describe.chart.noise", lang, m=len(cloud.steps), b=cloud.batch_size,
             exact=number(cloud.exact_trace), empirical=number(cloud.empirical_trace),
             ratio=number(cloud.ratio_to_sgd))  # fmt: skip


def chart_summaries(run: RunSnapshot, lang: str) -> list[str]:
    """One sentence per chart: loss, fit, landscape (and the noise cloud when shown)."""
    lines = [loss_summary(run, lang), fit_summary(run, lang), land_summary(run, lang)]
    if run.choice.fork is not None:
        lines.append(t("describe.chart.fork", lang, k=run.choice.fork.at))
    return lines + [s for s in (noise_summary(run, lang),) if s]


def update_sentences(run: Run, features: tuple[str, ...], target: str, lang: str) -> list[str]:
    """``run --describe``'s sentence for each of the latest SENTENCES updates."""
    first = max(1, run.updates - SENTENCES + 1)
    lines = [t("describe.earlier", lang, k=first - 1)] if first > 1 else []
    return lines + sentences_from(run, first, features, target, lang)


def latest_sentence(run: Run, facts: RunFacts, lang: str) -> str | None:
    """Describe mode's sentence for ``run``'s latest update (None at update 0); call under
    the session's lock."""
    if run.updates == 0:
        return None
    return sentences_from(run, run.updates, facts.feature_names, facts.target_name, lang)[0]


def sentences_from(
    run: Run, first: int, features: tuple[str, ...], target: str, lang: str
) -> list[str]:
    """One sentence for each update ``first`` … latest of ``run``."""
    lines = []
    for u in range(max(1, first), run.updates + 1):
        step = run.step_at(u)
        before, after = run.to_original(step.params_before), run.to_original(step.params_after)
        lines.append(
            describe_step(
                step, features=features, target=target, before=before, after=after, lang=lang
            )  # fmt: skip
        )
    return lines


def describe_text(run: Run, snap: SessionSnapshot | None, index: int, lang: str) -> str:
    """The describe panel's plain text for run ``index`` (call under the session's lock)."""
    if snap is None or index >= len(snap.runs):
        return t("view.loading", lang)
    shot = snap.runs[index]
    facts = shot.facts
    parts = [t("describe.charts_head", lang), *chart_summaries(shot, lang), ""]
    parts.append(t("describe.updates_head", lang))
    sentences = update_sentences(run, facts.feature_names, facts.target_name, lang)
    parts += sentences or [t("describe.no_updates", lang)]
    return "\n".join(parts)
