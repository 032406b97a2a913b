"""Word wrapping of styled lines (tui/render/wrap.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from linreg_tui.tui.render.wrap import INDENT, wrap_line

ADVICE = (
    "✗ the loss blew up at update 5: the run stopped. "
    "Lower the learning rate below ≈ 0.214286 ([) or reset (r)."
)


def plain(row: list[tuple[str, str]]) -> str:
    return "".join(text for text, _ in row)


def test_a_short_line_stays_whole() -> None:
    assert wrap_line([("abc", "warn")], 10) == [[("abc", "warn")]]


def test_the_divergence_advice_wraps_between_words_and_keeps_its_style() -> None:
    rows = wrap_line([("⏸ paused", "dim"), ("  ", ""), (ADVICE, "warn")], 40)
    assert len(rows) > 2
    assert all(cell_len(plain(row)) <= 40 for row in rows)
    assert all(plain(row).startswith(INDENT) for row in rows[1:])
    words = " ".join(plain(row).strip() for row in rows).split()
    assert words == ("⏸ paused " + ADVICE).split()  # every word, whole, in order
    assert {style for row in rows for _, style in row if _.strip()} == {"dim", "warn"}


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="ab 测é[", min_size=0, max_size=30), st.sampled_from(["", "warn"])
        ),
        max_size=6,
    ),
    st.integers(min_value=4, max_value=40),
)
def test_wrapped_rows_fit_and_lose_no_character(line, width) -> None:
    rows = wrap_line(line, width)
    if sum(cell_len(text) for text, _ in line) <= width:
        assert rows == [list(line)]
        return
    assert all(cell_len(plain(row)) <= width for row in rows)
    joined = "".join(plain(row).lstrip(" ") for row in rows).replace(" ", "")
    assert joined == "".join(text for text, _ in line).replace(" ", "")
