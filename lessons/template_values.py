"""Write the bundled course's ``{{ … }}`` template values ahead of time.

A template's value is a pure function of its expression and its item's preset, but some
take hundreds of milliseconds (500 updates of T3's stream), and a lesson renders its
templates when it opens. So the bundled course ships them: ``template_values.json`` maps
``templates.value_key(expr, preset)`` (a hash of the expression and the preset's ``repr``)
to the value. ``templates.value_of`` looks there first and computes only what is not stored
(a teacher's own course, or a lesson edited since). ``lessons validate`` on the bundled
course recomputes every value and reports one that is missing or that the engine no longer
gives (its digits differ); ``python -m linreg_tui.lessons.template_values`` writes the file
again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Course


def course_values(course: Course) -> dict[str, float]:
    """Every template value of ``course``, computed by the engine now (not the store)."""
    from .templates import compute_value, item_templates, value_key

    out: dict[str, float] = {}
    for lesson in course.lessons:
        for item, template in item_templates(lesson):
            preset = lesson.preset_for(item)
            out[value_key(template.expr, preset)] = compute_value(template, preset)
    return out


def write_values(path: Path | None = None) -> int:
    """Compute the bundled course's values and write the store (next to this module, or
    ``path``); returns how many values it holds."""
    from .loader import load_course
    from .templates import STORE, stored_values

    values = course_values(load_course())
    target = path or Path(__file__).with_name(STORE)
    body = {
        "about": "python -m linreg_tui.lessons.template_values",
        "values": dict(sorted(values.items())),
    }
    target.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    stored_values.cache_clear()
    return len(values)


if __name__ == "__main__":  # python -m linreg_tui.lessons.template_values
    print(f"{write_values()} template values written")
