"""A real headless browser for the report tests: Debian's chromium driven by chromedriver
(selenium), with the console and the network log recorded.

In CI (``CI`` set) the browser must be there — `.ci/run` installs it — and its absence fails the
test; elsewhere the test is skipped with the command that installs it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
INSTALL = "apt-get install -y chromium chromium-driver"


@dataclass
class PageLoad:
    """What the browser saw while loading a page."""

    title: str
    console: list[dict] = field(default_factory=list)  # every console entry
    requests: list[str] = field(default_factory=list)  # every URL the page requested
    screenshot: bytes = b""
    text: str = ""

    @property
    def errors(self) -> list[dict]:
        return [e for e in self.console if e.get("level") == "SEVERE"]

    def network(self, page: str) -> list[str]:
        """Requests the page made beyond itself: any URL that reaches a network or a file
        (the browser's own ``chrome://`` pages and inline ``data:`` are not)."""
        return [
            u
            for u in self.requests
            if u != page and u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp", "file")
        ]


def require_browser() -> None:
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        try:
            import selenium  # noqa: F401
        except ImportError:
            pass
        else:
            return
    message = f"headless chromium and selenium are needed ({INSTALL}; pip install selenium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def load(path: Path, *, width: int = 1280, height: int = 900) -> PageLoad:
    """Open ``path`` from a file:// URL and record the console, the requests and a screenshot."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="auditkit-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        url = path.resolve().as_uri()
        driver.get(url)
        page = PageLoad(
            title=driver.title,
            console=driver.get_log("browser"),
            screenshot=driver.get_screenshot_as_png(),
            text=driver.find_element("tag name", "body").text,
        )
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                page.requests.append(message["params"]["request"]["url"])
        return page
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def is_blank(png: bytes) -> bool:
    """Whether a screenshot is one flat colour (nothing was drawn)."""
    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    return float(pixels[..., :3].std()) < 1e-3
