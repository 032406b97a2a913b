"""Textual-free drawing helpers of the UI: plot grids of braille cells, wrapping styled
lines, the step panel's method lines, a lesson's goal, bar and end-card text.

They turn snapshots and lesson states into text and styled fragments; the widgets in
``tui/widgets`` send that text to the terminal. Nothing here imports Textual, a widget,
a screen or the app."""
