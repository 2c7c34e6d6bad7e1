"""Browser tests: a real server on a free loopback port, driven by Debian's Chromium."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.live)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app served over HTTP in a thread; each request gets its own contexts."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    # Printed and mailed links are absolute on PUBLIC_BASE_URL: here, this server.
    before = app.config.get("PUBLIC_BASE_URL")
    app.config["PUBLIC_BASE_URL"] = url
    yield url
    app.config["PUBLIC_BASE_URL"] = before
    server.shutdown()
