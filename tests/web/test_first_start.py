"""Issue J, deliver 1: a new user reaches a signed-in admin page from a fresh clone with the
README's commands only — `make serve` (no variable exported, no user made by hand), then the
browser. The first start makes the data folder's settings file (0600, generated secrets) and an
admin with a one-time password printed once; the first sign-in must replace it (the API too
refuses it); a second start keeps secrets, database and accounts and prints no password."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import time
import tomllib
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.web.test_e2e_browser import CHROMIUM, free_port

ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "باغ ارم شیراز، بهار نارنج"
UNSET = ("SMARTALLOC_EVENT_KEY", "SMARTALLOC_JWT_SECRET", "SMARTALLOC_POLICY", "DATABASE_URL",
         "REDIS_URL")


class Service:
    def __init__(self, data: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in UNSET}
        env["SMARTALLOC_DATA_DIR"] = str(data)
        self.log = data.parent / f"serve-{self.port}.txt"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(["make", "-s", "serve", f"PORT={self.port}"],
                                            cwd=ROOT, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.output
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, self.output
            time.sleep(0.2)

    @property
    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)   # make and the server it started
        self.process.wait(timeout=30)


@pytest.fixture
def data(tmp_path) -> Path:
    return tmp_path / "agency-data"


def test_make_serve_to_a_signed_in_admin_page(data):
    service = Service(data)
    try:
        said = service.output
        password = re.search(r"one-time password:\s+(\S+)", said)[1]
        assert f"{service.base}/ui/login" in said
        config = data / "smartalloc.toml"
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        secrets = tomllib.loads(config.read_text())
        assert len(secrets["jwt_secret"]) >= 48 and len(secrets["event_key"]) >= 48
        assert (data / "smartalloc.sqlite").exists()        # the database is in the data folder
        assert password not in config.read_text()
        refused = httpx.post(f"{service.base}/api/v1/auth/token",
                             data={"username": "admin", "password": password})
        assert refused.status_code == 403 and "one-time" in refused.json()["title"]

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(f"{service.base}/ui/mentors")               # any page: sign in first
            phone.fill("#username", "admin")
            phone.fill("#password", password)
            phone.press("#password", "Enter")
            expect(phone.locator("#pw-first")).to_be_visible()   # the one-time password
            assert phone.url.endswith("/ui/password")
            phone.goto(f"{service.base}/ui/mentors")               # nothing else until replaced
            assert phone.url.endswith("/ui/password")
            phone.fill("#current_password", password)
            phone.fill("#new_password", NEW_PASSWORD)
            phone.fill("#new_password_again", NEW_PASSWORD)
            phone.click("#password-form button[type=submit]")
            expect(phone.locator("#pw-changed")).to_be_visible()
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390

            desk = browser.new_page(viewport={"width": 1366, "height": 900})
            desk.goto(f"{service.base}/ui/login")
            desk.fill("#username", "admin")
            desk.fill("#password", NEW_PASSWORD)
            desk.press("#password", "Enter")
            desk.goto(f"{service.base}/ui/mentors")
            expect(desk.locator(".user[data-role=admin]")).to_be_visible()
            expect(desk.locator("nav a[href='/ui/setup']")).to_be_visible()   # an admin's menu
            browser.close()
    finally:
        service.stop()

    again = Service(data)    # a restart: same secrets, database and accounts; no new password
    try:
        assert "one-time password" not in again.output
        assert tomllib.loads((data / "smartalloc.toml").read_text()) == secrets
        token = httpx.post(f"{again.base}/api/v1/auth/token",
                           data={"username": "admin", "password": NEW_PASSWORD})
        assert token.status_code == 200, token.text
    finally:
        again.stop()
