"""The colours of runs in every chart and table: the Okabe–Ito colour-blind-safe palette.

Okabe & Ito (2008), "Color Universal Design": eight colours that stay distinct under the
common colour-vision deficiencies (protanopia, deuteranopia, tritanopia). Runs take four of
them, chosen to read well on the dark theme: sky blue, orange, bluish green, reddish purple.
Colour is never the only cue: run k also has its own marker (``RUN_MARKERS[k]``: • x + o)
and its number in legends and table heads, so runs stay apart in 16 colours and under
NO_COLOR, where these styles fall back to bold text.

Widgets take their run styles from :func:`run_styles_css`, so the palette lives here once.
"""

from __future__ import annotations

# The eight Okabe–Ito colours (sRGB).
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# Run k (0-based) is drawn in RUN_COLOURS[k] with RUN_MARKERS[k] (tui/render/plot_grid.py).
RUN_COLOURS = (
    OKABE_ITO["sky_blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
)


def run_styles_css(selector: str) -> str:
    """CSS rules ``{selector}s0 … s3`` giving run k its colour, in bold (the bold is what
    is left of the style under NO_COLOR, beside the run's marker)."""
    return "\n".join(
        f"{selector}s{k} {{ color: {colour}; text-style: bold; }}"
        for k, colour in enumerate(RUN_COLOURS)
    )
