"""The browser fixtures live in tests/browser.py (a plugin for the whole suite); names kept importable here."""

from tests.browser import CHROMIUM, CHROMIUM_ARGS, DaphneServer, log_in

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "DaphneServer", "log_in"]
