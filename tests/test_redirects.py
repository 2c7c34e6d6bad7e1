"""One rule for every `next`: a path on this site, whatever the encoding trick."""

from __future__ import annotations

import pytest

from crm.meetings.models import Task
from crm.redirects import safe_local_path
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory

OFF_SITE = [
    "//evil.example",
    "//evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    " //evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "evil.example",
    "",
    None,
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_are_refused(target):
    assert safe_local_path(target) is None


@pytest.mark.parametrize("target", ["/", "/tasks/", "/admin/audit/?action=x", "/accounts/7#x"])
def test_local_paths_are_kept(target):
    assert safe_local_path(target) == target


@pytest.fixture
def task(db):
    rm = UserFactory(role="rm")
    row = Task(assignee_id=rm.id, title="Kirim data", account_id=AccountFactory(rm=rm).id)
    db.session.add(row)
    db.session.flush()
    return rm, row


@pytest.mark.parametrize("target", OFF_SITE[:-2])
def test_task_done_never_redirects_off_site(client, login_as, task, target):
    rm, item = task
    login_as(rm)
    resp = post_form(client, f"/tasks/{item.id}/done", {"next": target})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/tasks/"


def test_task_done_follows_a_local_next(client, login_as, task):
    rm, item = task
    login_as(rm)
    resp = post_form(client, f"/tasks/{item.id}/done", {"next": "/?tab=tugas"})
    assert resp.headers["Location"] == "/?tab=tugas"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/%2F/evil.example", "//evil"])
def test_language_switch_never_redirects_off_site(client, target):
    resp = post_form(client, "/language", {"lang-locale": "en", "next": target})
    assert resp.headers["Location"] == "/login"
