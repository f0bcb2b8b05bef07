"""The browser tests' props: Debian's Chromium driven by Playwright against pytest-django's live
server on the run's real parts (PostgreSQL, Redis, SeaweedFS), and a camera that, on every page
it is shown, checks the page in both languages and keeps a screenshot of each (docs/pages.md).

Chromium is installed by scripts/browser-prerequisites.sh (`make test` runs it). Without it the
tests skip, saying why; on CI (CI=true), where apt can install it, its absence fails the run
instead, so that a green CI means the browser was really driven.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("PLATFORM_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = "PLATFORM_SCREENSHOTS"


def chromium_missing() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is missing: run scripts/browser-prerequisites.sh as root "
            "(apt-get install chromium fonts-wqy-microhei)"
        )
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed: make install"
    return ""


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests, closed after the last of them.

    Playwright's sync API runs an event loop in the test's thread while it is open, and Django
    refuses database calls from a thread with a running loop unless told the calls are
    synchronous (they are: the loop only drives the browser)."""
    reason = chromium_missing()
    if reason:
        if os.environ.get("CI") and shutil.which("apt-get"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
            )
            yield launched
            launched.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture(scope="session")
def screenshot_folder() -> Path:
    """PLATFORM_SCREENSHOTS, else var/screenshots/ (gitignored), emptied once per run."""
    folder = Path(
        os.environ.get(SCREENSHOTS) or Path(__file__).resolve().parents[2] / "var" / "screenshots"
    )
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def camera(browser, live_server, screenshot_folder, request):
    from tests.browser.camera import Camera

    camera = Camera(
        browser=browser,
        server=live_server.url,
        folder=screenshot_folder / request.node.name.removeprefix("test_"),
    )
    yield camera
    camera.close()


from tests.bids.conftest import bid_settings  # noqa: E402, F401 - the bids' storage settings
