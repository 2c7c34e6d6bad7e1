"""Browser-test helpers: sign in, switch user, run the queue, take a screenshot."""

from __future__ import annotations

import os
import time

from playwright.sync_api import Page
from rq import Queue, SimpleWorker

from crm import queue as rq_queue
from tests.conftest import PASSWORD

SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder to keep screenshots in, when set


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def switch_user(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, email)


def run_queue(app) -> None:
    """The queued render job, run in this process (an RQ SimpleWorker burst)."""
    q = Queue(app.config["QUEUE_NAME"], connection=rq_queue.redis_connection())
    SimpleWorker([q], connection=q.connection).work(burst=True)


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def open_when_issued(page: Page, letter_url: str, seconds: float = 30) -> None:
    """Reload the letter page until the rendering job has issued it."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(letter_url)
        if page.locator(".badge.status-issued").count():
            return
        assert time.monotonic() < deadline, "the letter was never issued"
        time.sleep(0.5)
