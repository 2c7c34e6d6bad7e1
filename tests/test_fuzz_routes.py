"""Fuzzing every route: bad path, query and form values give no 500; a refusal writes nothing.

The sweep reads app.url_map, so a route added later is fuzzed the day it exists. For each
role (anonymous, rm, supervisor, admin, partner) one Hypothesis example sends one request per
rule and method: path arguments from real rows (the role's own and other people's) or bad
values, query arguments from a common list plus the page's own form fields, with huge and
negative numbers, 10k-character strings, NUL and control characters, emoji and odd unicode,
impossible dates, tampered cursors and SQL/LIKE metacharacters; POSTs carry a valid CSRF
token. Every answer must be < 500 with no "unhandled error" logged, and a refused request (a
4xx, or a POST answered 200: the form again with its errors) must not change the row counts
of the audit log (refusal audits aside) and the main tables.
"""

from __future__ import annotations

import base64
import logging
import re
import sys
from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from werkzeug.routing import AnyConverter, IntegerConverter

from crm.extensions import db as _db
from crm.letters.template_context import LETTER_TYPES
from tests.conftest import CSRF_META, csrf_token
from tests.factories import CaseFactory, PositionFactory, UserFactory
from tests.support.meetings import at, log
from tests.support.partners import partner_world
from tests.support.sponsorships import make_sponsorship
from tests.support.supply_chain import prospect

ROLES = ("anonymous", "rm", "supervisor", "admin", "partner")
EXAMPLES_PER_ROLE = 15
SKIP = {"static", "auth.logout"}  # logout would end the sweep's own session

QUERY_NAMES = [
    "q",
    "page",
    "after",
    "rm",
    "branch",
    "branch_office_id",
    "account",
    "interaction",
    "author",
    "status",
    "type",
    "stage",
    "from",
    "to",
    "sort",
    "user_ids",
    "reports_to_id",
    "successor_id",
    "id",
    "format",
    "next",
    "lang",
]

FIXED_BAD = [
    str(2**63),
    "-1",
    str(10**30),
    "0",
    "1e309",
    "NaN",
    "x" * 10_000,
    "\x00",
    "a\x00b",
    "\x01\x08\x0b\x1b[31m\x7f",
    "\r\nSet-Cookie: x=1",
    "😀🏳️‍🌈👩🏽‍💻",
    "\u202e\ufeff\u200b\uffff\U0010ffff\ufffd",
    "Ǆ\u0301\u0345ﬃ",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "2026-13-01",
    "-0001-01-01",
    "%",
    "_",
    "%_%\\",
    "' OR 1=1 --",
    '"; DROP TABLE account; --',
    "[a-z]*",
    "//evil.example/",
    "javascript:alert(1)",
    "../../etc/passwd",
    "",
    " ",
    "1,2,abc,-5",
]

BAD_VALUE = st.one_of(
    st.sampled_from(FIXED_BAD),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.binary(min_size=1, max_size=48).map(lambda b: base64.urlsafe_b64encode(b).decode()),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
)
BAD_PATH_INTS = (0, 2**31, 2**63, 10**30)
BAD_PATH_STRS = ("x" * 10_000, "😀", "\x01\x7f", "%25_'--", "..", "9999-12-31", "\u202e")

# Tables a refused request must leave alone (audit_log is counted without refusal audits).
COUNTED = [
    "account",
    "user",
    "interaction",
    "letter",
    "letter_event",
    "agreement",
    "agreement_document",
    "task",
    "escalation_case",
    "sponsorship",
    "sponsorship_beneficiary",
    "key_person",
    "position",
    "supply_chain_link",
    "holiday",
    "branch_office",
    "partner_invitation",
    "background_job",
]
REFUSAL_AUDITS = ("portal.denied", "security.throttle")
_REFUSALS = ", ".join(f"'{action}'" for action in REFUSAL_AUDITS)
_AUDITS = f"SELECT count(*) FROM audit_log WHERE action NOT IN ({_REFUSALS})"  # noqa: S608
_COUNTS = [_AUDITS] + [
    f'SELECT count(*) FROM "{table}"'  # noqa: S608 - our own table names
    for table in COUNTED
]
COUNTS_SQL = text("SELECT " + ", ".join(f"({query})" for query in _COUNTS))

# Path argument -> the table its ids come from (a name not listed draws from all of them).
ID_TABLES = {
    "account_id": "account",
    "agreement_id": "agreement",
    "alert_id": "agreement_alert",
    "batch_id": "letter_batch",
    "beneficiary_id": "sponsorship_beneficiary",
    "branch_id": "branch_office",
    "case_id": "escalation_case",
    "doc_id": "agreement_document",
    "document_id": "agreement_document",
    "holiday_id": "holiday",
    "interaction_id": "interaction",
    "invitation_id": "partner_invitation",
    "letter_id": "letter",
    "link_id": "supply_chain_link",
    "parent_id": "account",
    "person_id": "key_person",
    "position_id": "position",
    "rate_id": "sponsorship_rate",
    "request_id": "case_letter_request",
    "rule_id": "arrears_rule",
    "sponsorship_id": "sponsorship",
    "task_id": "task",
    "user_id": "user",
}
# POSTs whose success is a 200 page, not a redirect: the calendar feed URL and a full NIK
# (its reveal audited) are shown once, on the answer itself.
ANSWERS_200_ON_SUCCESS = {"meetings.feed_settings", "sponsorships.show_nik"}
FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')

REQUESTS: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def request_total(request):
    """Print the number of requests the sweep sent; with every role run, it is at least 5000."""
    yield REQUESTS
    total = sum(REQUESTS.values())
    line = f"tests/test_fuzz_routes.py sent {total} requests {REQUESTS}"
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():  # past pytest's capture, to the terminal
        sys.stderr.write(f"\n{line}\n")
    if set(REQUESTS) == set(ROLES):
        assert total >= 5000, REQUESTS


def fuzz_world():
    """Two institutions (each with RM, partner, agreements, documents, letter), plus a case,
    a meeting, a person, a sponsorship and a vendor prospect, owned by different people."""
    world = partner_world()
    mine, theirs = world.kemendagri, world.bgn
    for n, inst in enumerate((mine, theirs)):
        CaseFactory(account=inst.account, reason="late_registration")
        log(inst.account, inst.rm, at(2026, 3, 2))
        PositionFactory(account=inst.account)
        make_sponsorship(inst.account, inst.rm, date(2026, 3, 1), workers=(2 * n + 1, 2 * n + 2))
        prospect(inst.account, f"Vendor {inst.account.id}")
    _db.session.flush()
    return world


def pools() -> dict[str, list]:
    """Values for path arguments: ids of real rows (any owner) and bad ones, by name."""
    session = _db.session
    every = set()
    out = {}
    for name, table in ID_TABLES.items():
        ids = session.scalars(text(f'SELECT id FROM "{table}" ORDER BY id LIMIT 6')).all()  # noqa: S608
        every.update(ids)
        out[name] = [*ids, *BAD_PATH_INTS]
    out["int"] = [*sorted(every)[:12], *BAD_PATH_INTS]
    codes = session.scalars(text("SELECT verify_code FROM letter WHERE verify_code IS NOT NULL"))
    jobs = session.scalars(text("SELECT id FROM background_job LIMIT 3")).all()
    out["code"] = [*codes.all(), *BAD_PATH_STRS]
    out["job_id"] = [*jobs, "00000000-0000-0000-0000-000000000000", *BAD_PATH_STRS]
    out["letter_type"] = [*list(LETTER_TYPES)[:3], *BAD_PATH_STRS]
    out["fmt"] = ["csv", "xlsx", "pdf", *BAD_PATH_STRS]
    out["str"] = ["abc", *BAD_PATH_STRS]
    return out


def targets(app) -> list[tuple[str, object]]:
    return [
        (method, rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIP
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def build_url(rule, pool: dict[str, list], pick: int) -> str | None:
    values = {}
    for j, name in enumerate(sorted(rule.arguments)):
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            choices = sorted(converter.items) if hasattr(converter, "items") else ["x"]
            values[name] = choices[pick % len(choices)]
            continue
        fallback = "int" if isinstance(converter, IntegerConverter) else "str"
        choices = pool.get(name) or pool[fallback]
        values[name] = choices[(pick + 3 * j) % len(choices)]
    try:
        return rule.build(values, append_unknown=False)[1]
    except Exception:
        return None


def form_fields(client, app, pool) -> dict[str, list[str]]:
    """The input names of each POST rule's page (its GET on the same URL), where it has one."""
    out = {}
    for method, rule in targets(app):
        if method != "POST" or "GET" not in rule.methods:
            continue
        url = build_url(rule, pool, 0)
        resp = client.get(url) if url else None
        if resp is not None and resp.status_code == 200:
            names = set(FIELD_NAME.findall(resp.get_data(as_text=True))) - {"csrf_token"}
            out[rule.endpoint] = sorted(names)
    return out


def sign_in(client, role, world):
    if role == "anonymous":
        return None
    user = {
        "rm": world.kemendagri.rm,
        "partner": world.kemendagri.partner,
    }.get(role) or UserFactory(role=role, branch_office=world.branch)
    from tests.conftest import post_form

    resp = post_form(client, "/login", {"email": user.email, "password": "test-Password-2026"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return user


def token_of(client) -> str:
    resp = client.get("/login")
    match = CSRF_META.search(resp.get_data(as_text=True))
    return match.group(1) if match else csrf_token(client)


def counts() -> tuple:
    return tuple(_db.session.execute(COUNTS_SQL).one())


def send(client, method, url, query, form, token):
    if method == "GET":
        return client.get(url, query_string=query)
    return client.open(url, method=method, query_string=query, data={**form, "csrf_token": token})


def unhandled(record: logging.LogRecord) -> bool:
    """A traceback or the error handler's line. (Flask-Limiter's ERROR "Skipping limit ...
    Empty value" for a sign-in with no email is no failure: that request is not counted.)"""
    return record.levelno >= logging.ERROR and (
        record.exc_info is not None or "unhandled error" in record.getMessage()
    )


def check(where, endpoint, resp, before, after, errors) -> list[str]:
    problems = []
    degraded_health = where.endswith("(health.healthz)") and resp.status_code == 503
    if resp.status_code >= 500 and not degraded_health:
        problems.append(f"{resp.status_code}: {where}")
    if errors:
        problems.append(f"logged {errors[0]!r}: {where}")
    rerendered = where.startswith("POST") and resp.status_code == 200
    refused = resp.status_code >= 400 or (rerendered and endpoint not in ANSWERS_200_ON_SUCCESS)
    if refused and before != after:
        changed = [
            name
            for name, b, a in zip(("audit_log", *COUNTED), before, after, strict=True)
            if b != a
        ]
        problems.append(f"refused ({resp.status_code}) yet wrote {changed}: {where}")
    return problems


one_sweep = st.fixed_dictionaries(
    {
        "queries": st.lists(
            st.dictionaries(st.sampled_from(QUERY_NAMES), BAD_VALUE, max_size=5),
            min_size=4,
            max_size=4,
        ),
        "form_values": st.lists(BAD_VALUE, min_size=7, max_size=7),
        "pick": st.integers(min_value=0, max_value=10_000),
    }
)


@pytest.fixture(params=ROLES)
def role(request):
    return request.param


@pytest.fixture
def signed_in(app, client, role):
    """The world, the role's session, the path values and each page's form fields (made once
    per role: Hypothesis runs every example of a test in the same fixtures)."""
    world = fuzz_world()
    sign_in(client, role, world)
    pool = pools()
    return pool, form_fields(client, app, pool)


@pytest.mark.slow  # ~1 min: a sweep of every route as every role
@settings(
    max_examples=EXAMPLES_PER_ROLE,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # every problem is collected; no shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sweep=one_sweep)
def test_no_route_answers_500_or_writes_on_a_refusal(app, client, caplog, signed_in, role, sweep):
    pool, fields = signed_in
    caplog.set_level(logging.ERROR, logger="crm.errors")
    token = token_of(client)
    problems, sent, answered = [], 0, 0
    for i, (method, rule) in enumerate(targets(app)):
        url = build_url(rule, pool, sweep["pick"] + i)
        if url is None:
            continue
        query = sweep["queries"][i % 4]
        names = fields.get(rule.endpoint) or QUERY_NAMES
        values = sweep["form_values"]
        form = {name: values[(k + i) % len(values)] for k, name in enumerate(names)}
        before = counts()
        caplog.clear()
        resp = send(client, method, url, query, form, token)
        sent += 1
        answered += resp.status_code == 200
        errors = [r.getMessage() for r in caplog.records if unhandled(r)]
        where = f"{method} {url[:120]} ({rule.endpoint})"
        problems += check(where, rule.endpoint, resp, before, counts(), errors)
    REQUESTS[role] = REQUESTS.get(role, 0) + sent
    assert problems == [], "\n".join(problems[:40])
    # Positive control: a signed-in role still reaches its pages (the sweep is not all 302s).
    least = {"anonymous": 0, "partner": 3}.get(role, 20)  # a partner reaches the portal only
    assert answered >= least, (role, answered)
