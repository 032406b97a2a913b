"""The math of linreg-tui: data, model, losses, gradients, optimizers, runs.

Pure computation: no Textual import, no printing, and torch is imported
lazily (on the first call that needs it), so the app can paint its first
screen before torch has loaded.
"""
