"""Isolation: a partner user reaches their own institution's portal pages and nothing else.

The sweep walks EVERY rule of app.url_map (so routes added later are covered too) as
partner@kemendagri.test, filling path parameters with the other institution's (BGN's)
agreement, document, report, letter, account and user ids, its file names and storage keys,
and random values; then the same as BGN's partner against Kemendagri. Only the portal's own
pages, static files, sign-in/profile, /healthz and the public /verify may answer 200; portal
URLs with another institution's ids answer 404 and are logged; no response carries the other
institution's data; nothing answers 500.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter

from crm.audit import AuditLog
from crm.extensions import db as _db
from tests.conftest import csrf_token
from tests.support.partners import partner_world

ALLOWED_200 = ("portal.", "auth.", "static", "verify.", "health.")
SKIP = {"auth.logout"}  # would end the sweep's own session
RANDOM_IDS = (987654321, 2**62)


@pytest.fixture
def world(db):
    return partner_world()


def forbidden_pools(viewer, other) -> dict[str, list]:
    """Values a partner must never reach through a URL, by parameter name."""
    agreements = [other.mou.id, other.pks.id, other.draft.id, viewer.draft.id]
    documents = [d.id for d in other.documents.values()] + [
        viewer.documents["evidence"].id,
        viewer.documents["draft_doc"].id,
    ]
    anything = sorted(
        {
            *agreements[:3],
            *(d.id for d in other.documents.values()),
            other.report.id,
            other.letter.id,
            other.account.id,
            other.partner.id,
            other.rm.id,
            *RANDOM_IDS,
        }
    )
    strings = [
        other.documents["signed_v2"].storage_key,
        other.documents["signed_v2"].filename,
        other.letter.verify_code or "x",
        "9f86d081884c7d659a2feaa0c55ad015",
    ]
    return {
        "agreement_id": agreements + list(RANDOM_IDS),
        "document_id": documents + list(RANDOM_IDS),
        "doc_id": documents + list(RANDOM_IDS),
        "int": anything,
        "str": strings,
    }


def fillings(rule, pools) -> list[tuple[dict, bool]]:
    """(path values, strict) for the rule; strict when every id comes from a named pool, so
    that a portal route must answer 404 (a generic id may by chance be one of the viewer's)."""
    if not rule.arguments:
        return [({}, False)]
    width = (
        max(len(pools[name]) for name in rule.arguments if name in pools)
        if any(name in pools for name in rule.arguments)
        else 0
    )
    width = max(width, len(pools["int"]), len(pools["str"]))
    out = []
    for i in range(width):
        values, strict = {}, True
        for name in rule.arguments:
            converter = rule._converters[name]
            if isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else "x"
            elif isinstance(converter, IntegerConverter):
                pool = pools.get(name) or pools["int"]
                strict = strict and name in pools
                values[name] = pool[i % len(pool)]
            elif isinstance(converter, PathConverter):
                values[name] = pools["str"][i % len(pools["str"])]
            else:
                values[name] = pools["str"][i % len(pools["str"])]
                strict = False
        out.append((values, strict))
    return out


def sweep(app, client, viewer, other) -> tuple[list[str], int]:
    """Every rule and method; the problems found (none when isolation holds) and the number
    of requests made."""
    pools = forbidden_pools(viewer, other)
    token = csrf_token(client)
    problems, seen = [], set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for values, strict in fillings(rule, pools):
                url = rule.build(values, append_unknown=False)[1]
                if (method, url) in seen:
                    continue
                seen.add((method, url))
                if method == "GET":
                    resp = client.get(url)
                else:
                    resp = client.open(url, method=method, data={"csrf_token": token})
                problems += check(rule.endpoint, method, url, resp, strict, other)
    return problems, len(seen)


def check(endpoint, method, url, resp, strict, other) -> list[str]:
    problems = []
    where = f"{method} {url} ({endpoint}) -> {resp.status_code}"
    # /healthz answers 503 by design when a part is down (no worker runs in the tests).
    degraded_health = endpoint == "health.healthz" and resp.status_code == 503
    if resp.status_code >= 500 and not degraded_health:
        problems.append(f"server error: {where}")
    if resp.status_code == 200 and not endpoint.startswith(ALLOWED_200):
        problems.append(f"CRM page answered: {where}")
    portal_id = endpoint.startswith("portal.") and strict and endpoint != "portal.welcome"
    if portal_id and resp.status_code != 404:
        problems.append(f"portal did not answer 404: {where}")
    body = resp.get_data()
    for secret in other.secrets:
        if secret.encode() in body:
            problems.append(f"leaked {secret!r}: {where}")
    return problems


@pytest.mark.parametrize("viewer_name", ["kemendagri", "bgn"])
def test_partner_reaches_nothing_of_the_other_institution_nor_the_crm(
    app, client, login_as, world, viewer_name, caplog
):
    viewer = getattr(world, viewer_name)
    other = world.bgn if viewer_name == "kemendagri" else world.kemendagri
    login_as(viewer.partner)
    # Positive control: the viewer's own pages and files do answer (so the sweep is real).
    assert client.get("/portal/").status_code == 200
    assert client.get(f"/portal/agreements/{viewer.pks.id}").status_code == 200
    own = viewer.documents["signed_v1"].id
    assert client.get(f"/portal/documents/{own}").status_code == 200

    problems, requests = sweep(app, client, viewer, other)
    assert problems == [], "\n".join(problems[:40])
    assert requests > 1000  # every rule, every method, every kind of id
    # Still signed in as the viewer at the end (nothing in the sweep signed us out).
    assert client.get("/portal/").status_code == 200

    denials = list(_db.session.scalars(select(AuditLog).where(AuditLog.action == "portal.denied")))
    paths = {d.summary for d in denials}
    assert f"GET /portal/agreements/{other.mou.id}" in paths
    assert f"GET /portal/documents/{other.documents['signed_v2'].id}" in paths
    assert f"GET /portal/documents/{other.documents['evidence'].id}" in paths
    refused = f"refused GET /accounts/{other.account.id}"  # CRM pages: a log line each
    assert any(refused in r.getMessage() for r in caplog.records)
    assert all(d.actor_id == viewer.partner.id for d in denials)


def test_the_email_named_in_the_issue_is_the_swept_partner(world):
    assert world.kemendagri.partner.email == "partner@kemendagri.test"


@pytest.mark.parametrize(
    "path",
    ["/accounts/", "/agreements/", "/letters/", "/admin/", "/cases/", "/meetings/", "/jobs/"],
)
def test_crm_pages_answer_403_to_partners(client, login_as, world, path):
    """The fence answers before any lookup, the same for every id: 403 leaks nothing."""
    login_as(world.kemendagri.partner)
    assert client.get(path).status_code == 403


def test_unknown_urls_are_404_and_logged(client, login_as, world):
    login_as(world.kemendagri.partner)
    assert client.get("/files/abc.pdf").status_code == 404
    assert client.get("/portal/documents/MoU_BGN_v1.pdf").status_code == 404
    summaries = set(
        _db.session.scalars(select(AuditLog.summary).where(AuditLog.action == "portal.denied"))
    )
    assert {"GET /files/abc.pdf", "GET /portal/documents/MoU_BGN_v1.pdf"} <= summaries


def test_browser_probes_are_404_without_an_audit_row(client, login_as, world):
    login_as(world.kemendagri.partner)
    assert client.get("/apple-touch-icon-precomposed.png").status_code == 404
    assert client.get("/favicon.ico").status_code == 404
    assert _db.session.scalar(select(AuditLog.id).where(AuditLog.action == "portal.denied")) is None
