"""The classroom: ``linreg-tui serve`` serves the app to many learners over SSH (and in a
browser), one sandboxed process per learner forked from a warmed zygote; ``linreg-tui class
report`` reads their progress. See docs/classroom.md."""
