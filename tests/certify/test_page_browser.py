"""The verification page in a real headless Chromium (Debian's chromium and chromedriver,
driven by Selenium): a valid, a revoked, an unknown and a tampered certificate, keyboard only.
Screenshots are kept under tests/artifacts/ (git-ignored). Without chromium these tests are
skipped with the reason — except in CI (CRAFTREG_REQUIRE_POSTGRES=1), where they must run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from craftreg.domain.authority import Role
from craftreg.keys import write_key
from tests.certify.conftest import Served
from tests.conftest import SETTINGS

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "certify"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if CHROMIUM is None or DRIVER is None:
        reason = (
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        )
        if SETTINGS.require_postgres:
            pytest.fail(f"CI requires the browser tests: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=412,915",  # a phone's width
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def verdict(driver: object, name: str) -> str:
    from selenium.webdriver.common.by import By

    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))  # type: ignore[attr-defined]
    return str(driver.find_element(By.ID, "verdict").get_attribute("data-verdict"))  # type: ignore[attr-defined]


def steps(driver: object) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "tr.step")  # type: ignore[attr-defined]
    return {
        str(row.get_attribute("data-step")): row.find_elements(By.TAG_NAME, "td")[0].get_attribute(
            "class"
        )
        for row in rows
    }


def type_and_check(driver: object, url: str, number: str, code: str = "") -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(f"{url}/verify")  # type: ignore[attr-defined]
    field = driver.find_element(By.ID, "number")  # type: ignore[attr-defined]
    field.send_keys(number)
    field.send_keys(Keys.TAB, code, Keys.ENTER)  # the keyboard alone


def issue_document(served: Served, tmp: Path, index: int) -> Path:
    key = tmp / "certifier.pem"
    if not key.exists():
        write_key(key, served.story.keys[Role.CERTIFIER])
    out = tmp / f"doc{index}.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "craftreg.cli",
            "cert",
            "issue-document",
            served.story.held[index].number,
            "--key",
            str(key),
            "--server",
            served.server.url,
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return out


def test_valid_unknown_and_labelled(browser: object, served: Served) -> None:
    from selenium.webdriver.common.by import By

    held, url = served.story.held[1], served.server.url
    type_and_check(browser, url, held.number, held.code)
    assert verdict(browser, "valid") == "valid"
    page = browser.find_element(By.TAG_NAME, "main").text  # type: ignore[attr-defined]
    assert held.name in page and "数控车工" in page
    assert steps(browser)["revocation"] == "passed"
    for field in ("number", "code", "file"):
        label = browser.find_element(By.CSS_SELECTOR, f"label[for={field}]")  # type: ignore[attr-defined]
        assert label.text
    type_and_check(browser, url, "S33-2026-77777")
    assert verdict(browser, "unknown") == "not_found"
    browser.get(f"{url}/verify/{held.number}")  # type: ignore[attr-defined]
    masked = browser.find_element(By.ID, "facts").text  # type: ignore[attr-defined]
    assert held.name not in masked and held.name[0] + "*" in masked


def test_revocation_shows_on_the_page_at_once(
    browser: object, served: Served, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    held, url = served.story.held[0], served.server.url
    document = issue_document(served, tmp_path, 0)
    browser.get(f"{url}/verify/{held.number}?code={held.code}")  # type: ignore[attr-defined]
    assert verdict(browser, "before-revocation") == "valid"
    assert steps(browser) == dict.fromkeys(
        (
            "document",
            "issuer-key",
            "signature",
            "authority",
            "issuance",
            "validity",
            "status-entry",
            "revocation",
        ),
        "passed",
    )
    served.story.revoke(held)
    browser.get(f"{url}/verify/{held.number}?code={held.code}")  # type: ignore[attr-defined]
    assert verdict(browser, "revoked") == "revoked"
    text = browser.find_element(By.ID, "verdict").text  # type: ignore[attr-defined]
    assert "2026-10-01" in text and "弄虚作假" in text
    assert steps(browser)["revocation"] == "failed"
    # The document itself, uploaded, shows revoked too (the status list was re-signed).
    browser.get(f"{url}/verify")  # type: ignore[attr-defined]
    browser.find_element(By.ID, "file").send_keys(str(document))  # type: ignore[attr-defined]
    browser.find_element(By.CSS_SELECTOR, "form[enctype] button").click()  # type: ignore[attr-defined]
    assert verdict(browser, "revoked-upload") == "revoked"


def test_a_tampered_or_malformed_document_is_not_valid(
    browser: object, served: Served, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    url = served.server.url
    document = json.loads(issue_document(served, tmp_path, 2).read_text())
    document["credentialSubject"]["employerAtIssue"] = "另一家公司"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document, ensure_ascii=False))
    malformed = tmp_path / "malformed.json"
    malformed.write_text('{"@context": ')
    for name, path in (("tampered", tampered), ("malformed", malformed)):
        browser.get(f"{url}/verify")  # type: ignore[attr-defined]
        browser.find_element(By.ID, "file").send_keys(str(path))  # type: ignore[attr-defined]
        browser.find_element(By.CSS_SELECTOR, "form[enctype] button").click()  # type: ignore[attr-defined]
        assert verdict(browser, name) == "invalid"
        if name == "tampered":
            assert steps(browser)["signature"] == "failed"
