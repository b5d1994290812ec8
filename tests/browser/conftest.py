"""Headless Chromium (Debian's `chromium` + `chromium-driver`, installed by scripts/bootstrap)
driven by Selenium over sites `streamt docs generate` writes.

Screenshots go to `target/screenshots/` at the repository root (or $STREAMT_SCREENSHOTS)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from streamt.cli import main

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("STREAMT_SCREENSHOTS", REPO / "target" / "screenshots"))


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail("chromium / chromedriver not found: run scripts/install-chromium")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900"):
        options.add_argument(arg)
    options.add_argument("--disable-dev-shm-usage")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_page_load_timeout(60)
    try:
        yield chrome
    finally:
        chrome.quit()


def generate(project: Path, out: Path) -> Path:
    code = main(["docs", "generate", "-p", str(project), "-o", str(out)])
    assert code == 0
    return out


def screenshot(browser: webdriver.Chrome, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert browser.save_screenshot(str(path))
    return path
