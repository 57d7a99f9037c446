"""The browser fixtures live in tests/browser.py (a plugin for the whole suite); names kept importable here."""

from tests.browser import CHROMIUM, CHROMIUM_ARGS, DaphneServer, log_in
from tests.videos.conftest import clips, processed  # noqa: F401 - real video files for the video pages

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "DaphneServer", "log_in"]
