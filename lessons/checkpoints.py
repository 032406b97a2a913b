"""Answering one checkpoint: tries, hints, revealing the answer, skipping.

Rules (the same in both languages):

- choice and numeric: a wrong answer shows the hint; the third wrong answer
  reveals the answer and its explanation. Correct at any try shows the
  explanation. An answer that cannot be read (not a number, no such option)
  does not count as a try.
- predict: one guess, right or wrong; then the answer is revealed and the
  learner runs the playground to see it happen.
- goal: ``report(met)`` after each update of the live run; ``reveal()``
  gives up and shows the solution.
- fixit: first the wrong line (its 1-based number, or the index as an int), then its fix
  (an option, as for a choice); a right line is a try that leaves the checkpoint open
  (status ``line``); the third wrong pick reveals the line, the fix and the explanation.
- any kind may be skipped.

Graded hints: ``hint_level`` hint levels are shown (``Checkpoint.levels``); each wrong
answer (or missed goal) shows one level more, and ``more_hint()`` does the same on request.

Numbers are compared with the checkpoint's tolerance: absolutely,
|x − a| ≤ tol, or, with ``relative = true``, |x − a| ≤ tol·|a|. Input is
read after Unicode NFKC normalisation, so full-width digits from a Chinese
input method ("－２．０") and "−" (U+2212) work; "a/b" fractions are accepted.
Choices are given as an option letter ("b", any case) or its number as
shown ("2"); an int is a 0-based index.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from .model import Checkpoint

MAX_TRIES = 3
CORRECT, WRONG, REVEALED, SKIPPED, INVALID, OPEN, LINE = (
    "correct",
    "wrong",
    "revealed",
    "skipped",
    "invalid",
    "open",
    "line",  # fixit: the right line is found; its fix is asked next
)
LETTERS = "abcdefghijklmnopqrstuvwxyz"

_INVALID = {
    "number": {"en": "Please type a number, e.g. -2.5", "zh": "请输入一个数，例如 -2.5"},
    "option": {"en": "Please choose one of {choices}", "zh": "请选择 {choices} 中的一项"},
    "closed": {"en": "This checkpoint is finished.", "zh": "这道练习题已经完成。"},
    "line": {"en": "Please choose a line number 1–{count}", "zh": "请选择行号 1–{count}"},
}
_FIX_ANSWER = {"en": "line {line}: {fix}", "zh": "第 {line} 行：{fix}"}


@dataclass(frozen=True)
class Outcome:
    """The result of one action on a checkpoint.

    status: correct | wrong (try again; ``hint`` says how) | revealed (no
    tries left, or a predict guess: ``was_correct`` says whether it was
    right) | skipped | invalid (input unreadable; ``message`` says why, no
    try used).
    """

    status: str
    tries: int  # counted tries so far
    was_correct: bool = False  # the learner's answer was right (correct, or a good predict)
    hint: str | None = None  # after a wrong answer
    explain: str | None = None  # once the checkpoint is finished
    answer_text: str | None = None  # the right answer, once revealed or correct
    message: str | None = None  # why an input was invalid

    @property
    def finished(self) -> bool:
        """True once the learner may move on (correct, revealed, skipped)."""
        return self.status in (CORRECT, REVEALED, SKIPPED)


def parse_number(text: str) -> float | None:
    """A number typed by the learner, or None if it is not one."""
    s = unicodedata.normalize("NFKC", str(text)).strip().replace("−", "-").replace("，", ",")
    s = s.replace(" ", "")
    if s.count(",") == 1 and "." not in s:  # "2,5": a decimal comma
        s = s.replace(",", ".")
    try:
        if "/" in s:
            num, den = s.split("/", 1)
            value = float(num) / float(den)
        else:
            value = float(s)
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


def parse_choice(answer: str | int, count: int) -> int | None:
    """0-based option index from a letter, a shown number (1-based) or an int index."""
    if isinstance(answer, int) and not isinstance(answer, bool):
        return answer if 0 <= answer < count else None
    s = unicodedata.normalize("NFKC", str(answer)).strip().lower().rstrip(").．")
    if len(s) == 1 and s in LETTERS[:count]:
        return LETTERS.index(s)
    if s.isdigit() and 1 <= int(s) <= count:
        return int(s) - 1
    return None


def numbers_match(given: float, expected: float, tolerance: float, relative: bool) -> bool:
    """|given − expected| ≤ tolerance (·|expected| when relative)."""
    bound = tolerance * abs(expected) if relative else tolerance
    return abs(given - expected) <= bound + 1e-12 * max(1.0, abs(expected))


def format_number(value: float, decimals: int | None = None) -> str:
    """A number as the answer is shown: rounded to ``decimals`` places when the question
    asked for that many, else up to 6 significant digits."""
    if decimals is not None:
        return f"{value:.{decimals}f}"
    return f"{value:.6g}"


_ASKED = (re.compile(r"\((\d+) decimals?\)"), re.compile(r"保留\s*(\d+)\s*位小数"))


def asked_decimals(prompt: str) -> int | None:
    """The decimals a question asks for ("(2 decimals)", "保留 2 位小数"), if it says."""
    for pattern in _ASKED:
        match = pattern.search(prompt)
        if match:
            return int(match.group(1))
    return None


def solution_text(cp: Checkpoint, lang: str) -> str:
    """A goal's solution in words: "Set lr = 0.2, then run 20 updates." """
    sol = cp.solution
    if sol is None:
        return ""
    parts = [f"{k} = {_setting(v)}" for k, v in sol.settings.items()]
    if lang == "zh":
        text = "设置 " + "，".join(parts) if parts else ""
        run = f"运行 {sol.updates} 次更新" if sol.updates else ""
        return "，然后".join(p for p in (text, run) if p) + "。"
    text = "Set " + ", ".join(parts) if parts else ""
    run = f"run {sol.updates} updates" if sol.updates else ""
    joined = ", then ".join(p for p in (text, run) if p)
    return joined[:1].upper() + joined[1:] + "."


def _setting(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_setting(v) for v in value) + "]"
    if isinstance(value, float):
        return format_number(value)
    return str(value)


class CheckpointSession:
    """The state of one checkpoint being answered, in one language.

    ``expected`` is the right answer: the option index for choices, the
    number for numeric questions (literal or computed by ``answers``), and
    unused for goals.
    """

    def __init__(self, checkpoint: Checkpoint, expected: float | int | None, lang: str) -> None:
        self.checkpoint = checkpoint
        self.expected = expected
        self.lang = lang
        self.tries = 0
        self.misses = 0  # wrong answers (a fixit's right line is a try, not a miss)
        self.status = OPEN
        self.hint_level = 0  # hint levels shown so far
        self.line_found = False  # fixit: the wrong line was picked

    @property
    def max_tries(self) -> int:
        return 1 if self.checkpoint.kind == "predict" else MAX_TRIES

    def more_hint(self) -> int:
        """Show one hint level more (up to the last); the number of levels shown."""
        self.hint_level = min(self.hint_level + 1, len(self.checkpoint.levels))
        return self.hint_level

    def hints(self) -> list[str]:
        """The hint levels shown so far, in ``lang``."""
        return [h.get(self.lang) for h in self.checkpoint.levels[: self.hint_level]]

    def _wrong(self) -> Outcome:
        """One wrong answer: a miss, one hint level more; the last miss reveals."""
        self.misses += 1
        if self.misses >= self.max_tries:
            return self._finish(REVEALED, False)
        self.more_hint()
        return Outcome(WRONG, self.tries, hint=self.hints()[-1])

    def answer_text(self) -> str:
        """The right answer as shown to the learner."""
        cp = self.checkpoint
        if cp.kind == "goal":
            return solution_text(cp, self.lang)
        if cp.kind == "fixit":
            fix = cp.options[int(self.expected or 0)].get(self.lang)
            return _FIX_ANSWER[self.lang].format(line=cp.bug_line, fix=fix)
        if cp.is_choice:
            index = int(self.expected or 0)
            return f"{LETTERS[index]}) {cp.options[index].get(self.lang)}"
        decimals = asked_decimals(cp.prompt.get(self.lang))
        return format_number(float(self.expected or 0.0), decimals)

    def _finish(self, status: str, was_correct: bool) -> Outcome:
        self.status = status
        return Outcome(
            status,
            self.tries,
            was_correct=was_correct,
            explain=self.checkpoint.explain.get(self.lang),
            answer_text=self.answer_text(),
        )

    def _closed(self) -> Outcome:
        return Outcome(INVALID, self.tries, message=_INVALID["closed"][self.lang])

    def attempt(self, answer: str | int | float) -> Outcome:
        """Check one answer of a choice, numeric or predict checkpoint."""
        cp = self.checkpoint
        if cp.kind == "goal":
            raise ValueError("goal checkpoints are met on the live run; use report()")
        if self.status != OPEN:
            return self._closed()
        if cp.kind == "fixit" and not self.line_found:
            return self._pick_line(answer)
        right = self._judge(answer)
        if right is None:
            if cp.is_choice or cp.kind == "fixit":
                choices = ", ".join(LETTERS[: len(cp.options)])
                message = _INVALID["option"][self.lang].format(choices=choices)
            else:
                message = _INVALID["number"][self.lang]
            return Outcome(INVALID, self.tries, message=message)
        self.tries += 1
        if right:
            return self._finish(CORRECT, True)
        return self._wrong()

    def _pick_line(self, answer: str | int | float) -> Outcome:
        """A fixit's first step: which line is wrong (shown number, or 0-based int)."""
        cp = self.checkpoint
        count = len(cp.code)
        if isinstance(answer, int) and not isinstance(answer, bool):
            index: int | None = answer if 0 <= answer < count else None
        else:
            s = unicodedata.normalize("NFKC", str(answer)).strip()
            index = int(s) - 1 if s.isdigit() and 1 <= int(s) <= count else None
        if index is None:
            message = _INVALID["line"][self.lang].format(count=count)
            return Outcome(INVALID, self.tries, message=message)
        self.tries += 1
        if index == cp.bug_line - 1:
            self.line_found = True
            return Outcome(LINE, self.tries, was_correct=True)
        return self._wrong()

    def edit(self, right: bool) -> Outcome:
        """A fix-it's buggy line edited by the learner (judged by ``fixit_edit``): one try,
        right or wrong as a picked fix would be."""
        if self.status != OPEN or self.checkpoint.kind != "fixit" or not self.line_found:
            return self._closed()
        self.tries += 1
        return self._finish(CORRECT, True) if right else self._wrong()

    def _judge(self, answer: str | int | float) -> bool | None:
        """True/False for a readable answer, None for an unreadable one."""
        cp = self.checkpoint
        if cp.is_choice or cp.kind == "fixit":
            index = parse_choice(answer, len(cp.options))  # type: ignore[arg-type]
            return None if index is None else index == self.expected
        if isinstance(answer, (int, float)) and not isinstance(answer, bool):
            value: float | None = float(answer) if math.isfinite(answer) else None
        else:
            value = parse_number(str(answer))
        if value is None or self.expected is None:
            return None
        return numbers_match(value, float(self.expected), cp.tolerance, cp.relative)

    def report(self, met: bool) -> Outcome | None:
        """For goals: the live run's latest state; finishes the checkpoint once ``met``."""
        if self.status != OPEN or not met:
            return None
        return self._finish(CORRECT, True)

    def miss(self) -> Outcome:
        """For goals: one failed attempt (the run ended without meeting the goal)."""
        if self.status != OPEN:
            return self._closed()
        self.tries += 1
        return self._wrong()

    def reveal(self) -> Outcome:
        """Give up: show the answer (for goals, the solution) and the explanation."""
        if self.status != OPEN:
            return self._closed()
        return self._finish(REVEALED, False)

    def skip(self) -> Outcome:
        """Move on without answering."""
        if self.status != OPEN:
            return self._closed()
        self.status = SKIPPED
        return Outcome(
            SKIPPED,
            self.tries,
            answer_text=self.answer_text(),
            explain=self.checkpoint.explain.get(self.lang),
        )
