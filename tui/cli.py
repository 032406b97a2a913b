"""Entry point of the `linreg-tui` command (placeholder replaced below)."""


def main() -> int:
    print("linreg-tui")
    return 0
