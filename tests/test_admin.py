"""Admin area: the role fence on every route, users, branch offices, audit log and export."""

from __future__ import annotations

import base64
import html
import re
from datetime import UTC, datetime

import pytest
from flask import Flask, url_for
from sqlalchemy import func, select

from crm.admin import services
from crm.admin.views import bp as admin_bp
from crm.audit import AuditLog
from crm.auth.models import User
from crm.extensions import db as _db
from crm.jobs.models import BackgroundJob
from crm.offices import BranchOffice
from crm.services import ServiceError
from tests.conftest import PASSWORD, post_form
from tests.factories import AccountFactory, Base, BranchFactory, UserFactory

TEMP_PASSWORD = "sementara-Sandi-77"


class AuditEntryFactory(Base):
    class Meta:
        model = AuditLog

    created_at = datetime(2025, 3, 10, 5, 0, tzinfo=UTC)
    actor_label = "sistem@relasi.test"
    action = "test.event"
    entity_type = "account"
    entity_id = "1"


def admin_routes(url_map) -> list[tuple[str, str]]:
    """(endpoint, method) for every admin rule, once for each of GET and POST it allows."""
    return sorted(
        (rule.endpoint, method)
        for rule in url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        for method in ("GET", "POST")
        if method in rule.methods
    )


# Parameters are collected before the app fixture exists: a bare app holding the same blueprint
# has the same rules, and test_access_sweep_covers_every_admin_route compares with the real app.
_bare_app = Flask(__name__)
_bare_app.register_blueprint(admin_bp)
ROUTES = admin_routes(_bare_app.url_map)
GET_ROUTES = [endpoint for endpoint, method in ROUTES if method == "GET"]


def admin_url(app, endpoint: str, ids: dict[str, int]) -> str:
    """The URL of endpoint with each <int:...> argument filled from ids (KeyError if new)."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        return url_for(endpoint, **{arg: ids[arg] for arg in rule.arguments})


def existing_ids() -> dict[str, int]:
    return {"user_id": UserFactory().id, "branch_id": BranchFactory().id}


def field_errors(page: str, name: str) -> list[str]:
    """Error messages rendered inside the form field `name` (between it and the next field)."""
    start = page.index(f'id="{name}"')
    ends = [
        i for i in (page.find('class="field', start), page.find('class="actions"', start)) if i > 0
    ]
    block = page[start : min(ends, default=len(page))]
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", block, re.S)]


def audit_rows(action: str) -> list[AuditLog]:
    return _db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def text_of(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def test_access_sweep_covers_every_admin_route(app):
    assert admin_routes(app.url_map) == ROUTES
    endpoints = {endpoint for endpoint, _ in ROUTES}
    required = {"admin.users", "admin.user_new", "admin.user_deactivate", "admin.branches"}
    assert required | {"admin.audit", "admin.audit_export"} <= endpoints


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{m} {e}" for e, m in ROUTES])
@pytest.mark.parametrize("role", ["rm", "supervisor", "partner", "anonymous"])
def test_admin_routes_are_refused_to_other_roles_and_strangers(
    app, db, client, login_as, role, endpoint, method
):
    ids = existing_ids()
    url = admin_url(app, endpoint, ids)
    if role != "anonymous":
        login_as(UserFactory(role=role))
    resp = post_form(client, url) if method == "POST" else client.get(url)
    if role == "anonymous":
        assert resp.status_code == 302
        assert resp.headers["Location"].startswith("/login")
    else:
        assert resp.status_code == 403
    assert db.session.get(User, ids["user_id"]).active
    assert {row.action for row in db.session.scalars(select(AuditLog))} <= {"auth.login"}


@pytest.mark.parametrize("endpoint", GET_ROUTES)
def test_admin_reaches_every_admin_page(app, client, login_as, endpoint):
    login_as(UserFactory(role="admin"))
    assert client.get(admin_url(app, endpoint, existing_ids())).status_code == 200


def user_form(**changes) -> dict:
    data = {"email": "baru@relasi.test", "name": "Pengguna Baru", "role": "rm"}
    return data | {"branch_office_id": "0", "account_id": "0", "password": TEMP_PASSWORD} | changes


def test_admin_creates_a_user_who_must_change_password_at_first_sign_in(app, db, client, login_as):
    admin = login_as(UserFactory(role="admin"))
    branch = BranchFactory()
    resp = post_form(
        client, "/admin/users/new", user_form(email="Baru@Relasi.TEST", branch_office_id=branch.id)
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/users/"
    user = db.session.scalar(select(User).where(User.email == "baru@relasi.test"))
    assert (user.role, user.branch_office_id, user.must_change_password) == ("rm", branch.id, True)
    assert "baru@relasi.test" in text_of(client.get("/admin/users/"))
    [row] = audit_rows("user.create")
    assert (row.actor_id, row.entity_type, row.entity_id) == (admin.id, "user", str(user.id))
    links = {"branch_office_id": branch.id, "account_id": None, "active": True}
    assert row.after == {"email": user.email, "name": "Pengguna Baru", "role": "rm"} | links
    newcomer = app.test_client()
    signed_in = post_form(newcomer, "/login", {"email": user.email, "password": TEMP_PASSWORD})
    assert signed_in.headers["Location"] == "/profile"
    assert newcomer.get("/").headers["Location"] == "/profile"


def test_duplicate_email_is_refused_next_to_the_field(db, client, login_as):
    login_as(UserFactory(role="admin"))
    UserFactory(email="andi@relasi.test")
    resp = post_form(client, "/admin/users/new", user_form(email="ANDI@relasi.test"))
    assert resp.status_code == 200
    assert "Email ini sudah dipakai pengguna lain." in field_errors(text_of(resp), "email")
    same = select(func.count()).where(func.lower(User.email) == "andi@relasi.test")
    assert db.session.scalar(same) == 1
    assert audit_rows("user.create") == []


@pytest.mark.parametrize(
    ("account", "message"),
    [(None, "harus terhubung ke satu institusi"), ("corporate", "hanya untuk institusi")],
)
def test_partner_user_needs_an_institution(db, client, login_as, account, message):
    login_as(UserFactory(role="admin"))
    account_id = AccountFactory().id if account else 0
    resp = post_form(client, "/admin/users/new", user_form(role="partner", account_id=account_id))
    assert resp.status_code == 200
    assert any(message in e for e in field_errors(text_of(resp), "account_id"))
    assert db.session.scalar(select(User).where(User.email == "baru@relasi.test")) is None


@pytest.mark.parametrize(
    ("password", "message"),
    [("pendek1", "minimal 10"), ("hanyahurufsaja", "campuran huruf"), ("", "Isi kata sandi")],
)
def test_weak_or_missing_temporary_password_is_refused(db, client, login_as, password, message):
    login_as(UserFactory(role="admin"))
    resp = post_form(client, "/admin/users/new", user_form(password=password))
    assert resp.status_code == 200
    assert any(message in e for e in field_errors(text_of(resp), "password"))
    assert db.session.scalar(select(User).where(User.email == "baru@relasi.test")) is None


def test_editing_a_user_audits_only_the_changed_fields(db, client, login_as):
    login_as(UserFactory(role="admin"))
    user = UserFactory(name="Nama Lama", role="rm")
    form = user_form(email=user.email, name="Nama Baru", role="supervisor")
    del form["password"]
    resp = post_form(client, f"/admin/users/{user.id}/edit", form)
    assert resp.status_code == 302
    assert (user.name, user.role) == ("Nama Baru", "supervisor")
    [row] = audit_rows("user.update")
    assert row.entity_id == str(user.id)
    assert row.before == {"name": "Nama Lama", "role": "rm"}
    assert row.after == {"name": "Nama Baru", "role": "supervisor"}


def test_deactivation_is_confirmed_first_then_signs_the_user_out(app, db, client, login_as):
    login_as(UserFactory(role="admin"))
    user = UserFactory()
    theirs = app.test_client()
    post_form(theirs, "/login", {"email": user.email, "password": PASSWORD})
    assert theirs.get("/").status_code == 200
    url = f"/admin/users/{user.id}/deactivate"
    confirm = client.get(url)
    assert confirm.status_code == 200 and f"Nonaktifkan {user.email}?" in text_of(confirm)
    assert user.active and theirs.get("/").status_code == 200  # a GET changes nothing
    resp = post_form(client, url)
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/users/"
    assert not user.active
    assert theirs.get("/").headers["Location"].startswith("/login")
    [row] = audit_rows("user.deactivate")
    assert (row.before, row.after) == ({"active": True}, {"active": False})


def test_admin_cannot_deactivate_themselves(db, client, login_as):
    admin = login_as(UserFactory(role="admin"))
    UserFactory(role="admin")  # another admin: only the self rule can refuse
    resp = post_form(client, f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in text_of(resp)
    assert admin.active and client.get("/admin/").status_code == 200


def test_last_active_admin_cannot_be_demoted_or_deactivated(db, client, login_as):
    admin = login_as(UserFactory(role="admin"))
    UserFactory(role="admin", active=False)  # an inactive admin does not count
    form = user_form(email=admin.email, name=admin.name, role="rm")
    del form["password"]
    resp = post_form(client, f"/admin/users/{admin.id}/edit", form)
    assert resp.status_code == 200
    assert "Harus ada setidaknya satu admin aktif lain." in text_of(resp)
    assert admin.role == "admin"
    # On the web the only active admin is the actor (the self rule answers first), so the
    # last-admin rule for deactivation is checked where an actor-less caller would meet it.
    with pytest.raises(ServiceError, match="admin aktif lain"):
        services.set_user_active(admin, False, actor=None)
    assert admin.active


def test_admin_reactivates_a_user_who_can_then_sign_in(app, db, client, login_as):
    login_as(UserFactory(role="admin"))
    user = UserFactory(role="admin", active=False)
    url = f"/admin/users/{user.id}/activate"
    confirm = client.get(url)
    assert f"Aktifkan kembali {user.email}?" in text_of(confirm) and not user.active
    assert post_form(client, url).status_code == 302
    assert user.active
    assert [r.after for r in audit_rows("user.activate")] == [{"active": True}]
    signed_in = post_form(app.test_client(), "/login", {"email": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert post_form(client, f"/admin/users/{user.id}/deactivate").status_code == 302
    assert not user.active  # another admin (the actor) remains, so this one may go


def test_password_reset_forces_a_change_and_retires_the_old_password(app, db, client, login_as):
    login_as(UserFactory(role="admin"))
    user = UserFactory()
    theirs = app.test_client()
    post_form(theirs, "/login", {"email": user.email, "password": PASSWORD})
    weak = post_form(client, f"/admin/users/{user.id}/password", {"password": "pendek1"})
    assert weak.status_code == 400 and user.check_password(PASSWORD)
    resp = post_form(client, f"/admin/users/{user.id}/password", {"password": TEMP_PASSWORD})
    assert resp.headers["Location"] == f"/admin/users/{user.id}/edit"
    assert user.must_change_password and not user.check_password(PASSWORD)
    assert theirs.get("/").headers["Location"].startswith("/login")  # old session ended
    fresh = app.test_client()
    old = post_form(fresh, "/login", {"email": user.email, "password": PASSWORD})
    assert old.status_code == 200 and "Email atau kata sandi salah." in text_of(old)
    new = post_form(fresh, "/login", {"email": user.email, "password": TEMP_PASSWORD})
    assert new.headers["Location"] == "/profile"
    assert len(audit_rows("user.password_reset")) == 1


def branch_form(**changes) -> dict:
    data = {"code": "jkt-sdm", "name": "Jakarta Sudirman", "region": "Kanwil DKI Jakarta"}
    return data | {"address": "Jl. Jend. Sudirman 1", "active": "y"} | changes


def test_admin_creates_a_branch_office_with_an_uppercase_code(db, client, login_as):
    login_as(UserFactory(role="admin"))
    resp = post_form(client, "/admin/branches/new", branch_form())
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/branches/"
    branch = db.session.scalar(select(BranchOffice).where(BranchOffice.code == "JKT-SDM"))
    assert (branch.name, branch.region, branch.active) == (
        "Jakarta Sudirman",
        "Kanwil DKI Jakarta",
        1,
    )
    assert "Jakarta Sudirman" in text_of(client.get("/admin/branches/"))
    [row] = audit_rows("branch.create")
    assert row.entity_id == str(branch.id) and row.after["code"] == "JKT-SDM"


def test_admin_edits_a_branch_office(db, client, login_as):
    login_as(UserFactory(role="admin"))
    branch = BranchFactory(code="JKT-SDM", name="Nama Lama")
    form = branch_form(name="Nama Baru")  # own code in lower case is no clash
    del form["active"]  # an unticked box
    resp = post_form(client, f"/admin/branches/{branch.id}/edit", form)
    assert resp.status_code == 302
    assert (branch.code, branch.name, branch.active) == ("JKT-SDM", "Nama Baru", False)
    [row] = audit_rows("branch.update")
    assert row.before == {"name": "Nama Lama", "active": True, "address": "Jl. Gatot Subroto"}
    assert row.after == {"name": "Nama Baru", "active": False, "address": "Jl. Jend. Sudirman 1"}


def test_duplicate_branch_code_is_refused_whatever_its_case(db, client, login_as):
    login_as(UserFactory(role="admin"))
    BranchFactory(code="JKT-SDM")
    other = BranchFactory(code="BDG-001")
    for url in ("/admin/branches/new", f"/admin/branches/{other.id}/edit"):
        resp = post_form(client, url, branch_form(code="Jkt-Sdm"))
        assert resp.status_code == 200
        assert "Kode kantor cabang sudah dipakai." in field_errors(text_of(resp), "code")
    assert db.session.scalar(select(func.count()).select_from(BranchOffice)) == 2
    assert other.code == "BDG-001"


@pytest.mark.parametrize("code", ["JKT SDM", "JKT_SDM", "JKT/SDM", "JKT.SDM", "JKT-ŞDM"])
def test_branch_code_with_other_characters_is_refused(db, client, login_as, code):
    login_as(UserFactory(role="admin"))
    resp = post_form(client, "/admin/branches/new", branch_form(code=code))
    assert resp.status_code == 200
    assert "Hanya huruf, angka dan tanda hubung." in field_errors(text_of(resp), "code")
    assert db.session.scalar(select(func.count()).select_from(BranchOffice)) == 0


def test_branch_list_is_searched_by_region(client, login_as):
    login_as(UserFactory(role="admin"))
    BranchFactory(name="Surabaya Darmo", region="Kanwil Jawa Timur")
    BranchFactory(name="Jakarta Thamrin", region="Kanwil DKI Jakarta")
    page = text_of(client.get("/admin/branches/?q=JAWA timur"))
    assert "Surabaya Darmo" in page and "Jakarta Thamrin" not in page


def markers(page: str) -> list[str]:
    return re.findall(r"entri-[\w]+", page)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=Budi@Relasi.test", {"entri-a", "entri-c"}),
        ("action=account.create", {"entri-b"}),
        ("entity_type=account&entity_id=7", {"entri-a"}),
        ("date_from=2025-01-15&date_to=2025-02-05", {"entri-b", "entri-c"}),
        ("date_to=2025-01-19", {"entri-a"}),
    ],
)
def test_audit_filters_narrow_the_list(client, login_as, query, expected):
    login_as(UserFactory(role="admin"))
    budi, sari = "budi@relasi.test", "sari@relasi.test"
    AuditEntryFactory(summary="entri-a", actor_label=budi, action="account.update",
                      entity_id="7", created_at=utc(2025, 1, 10, 5))  # fmt: skip
    AuditEntryFactory(summary="entri-b", actor_label=sari, action="account.create",
                      entity_id="8", created_at=utc(2025, 1, 20, 5))  # fmt: skip
    AuditEntryFactory(summary="entri-c", actor_label=budi, action="user.update",
                      entity_type="user", entity_id="7", created_at=utc(2025, 2, 5, 5))  # fmt: skip
    assert set(markers(text_of(client.get("/admin/audit/")))) >= {"entri-a", "entri-b", "entri-c"}
    resp = client.get(f"/admin/audit/?{query}")
    assert resp.status_code == 200
    assert set(markers(text_of(resp))) == expected


def test_date_filter_uses_the_local_day_the_list_shows(client, login_as):
    login_as(UserFactory(role="admin"))
    # 20 January 18:00 UTC is 21 January 01:00 in Jakarta, which is what the list displays.
    AuditEntryFactory(summary="entri-malam", created_at=utc(2025, 1, 20, 18))
    assert "21 Januari 2025 01.00" in text_of(client.get("/admin/audit/"))
    assert markers(text_of(client.get("/admin/audit/?date_from=2025-01-21"))) == ["entri-malam"]
    assert markers(text_of(client.get("/admin/audit/?date_to=2025-01-20"))) == []


def next_link(page: str) -> str | None:
    match = re.search(r'href="([^"]*[?&]after=[^"]*)"', page)
    return match and match.group(1)


def test_audit_pages_follow_on_without_overlap_or_gap(client, login_as):
    login_as(UserFactory(role="admin"))
    for i in range(1, 61):
        AuditEntryFactory(action="test.page", summary=f"entri-{i:03d}")
    first = text_of(client.get("/admin/audit/?action=test.page"))
    assert markers(first) == [f"entri-{i:03d}" for i in range(60, 10, -1)]
    link = next_link(first)
    assert link and "action=test.page" in link
    second = text_of(client.get(link))
    assert markers(second) == [f"entri-{i:03d}" for i in range(10, 0, -1)]
    assert next_link(second) is None


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# Garbage, and well-formed base64 JSON of the wrong shape or type (a tampered link).
BAD_CURSORS = ["[1, 2]", "{}", "[null]", '["abc"]', "[99999999999999999999999]"]
BAD_AFTERS = ["bukan-kursor!", "%25%25%25", *map(cursor, BAD_CURSORS)]
BAD_DATES = ["date_from=2025-13-45", "date_to=kemarin", "date_from=0001-01-01&date_to=9999-12-31"]


@pytest.mark.parametrize(  # _method is an option of url_for, not a filter
    "query", [*(f"after={a}" for a in BAD_AFTERS), *BAD_DATES, "_method=DELETE"]
)
def test_malformed_audit_query_shows_page_one_not_an_error(client, login_as, query):
    login_as(UserFactory(role="admin"))
    for i in range(1, 53):
        AuditEntryFactory(summary=f"entri-{i:03d}")
    resp = client.get(f"/admin/audit/?{query}")
    assert resp.status_code == 200
    page = text_of(resp)
    assert "entri-052" in page and "entri-002" not in page
    assert "_method" not in page


@pytest.mark.parametrize(
    ("path", "first"), [("/admin/users/", "Pengguna Admin"), ("/admin/branches/", "Kantor Uji A")]
)
@pytest.mark.parametrize("raw", ["[null, null]", '["a", "b"]', '["a", 99999999999999999999999]'])
def test_malformed_list_cursor_shows_page_one_not_an_error(client, login_as, path, first, raw):
    login_as(UserFactory(role="admin", name="Pengguna Admin"))
    BranchFactory(name="Kantor Uji A")
    resp = client.get(f"{path}?after={cursor(raw)}")
    assert resp.status_code == 200 and first in text_of(resp)


def test_audit_export_queues_a_job_owned_by_the_admin(db, client, login_as):
    admin = login_as(UserFactory(role="admin"))
    form = {"action": "user.create", "actor": "", "date_from": "2025-01-01"}
    resp = post_form(client, "/admin/audit/export", form)
    [job] = db.session.scalars(select(BackgroundJob)).all()
    assert resp.status_code == 302 and resp.headers["Location"] == f"/jobs/{job.id}"
    assert (job.kind, job.owner_id, job.status) == ("audit.export", admin.id, "queued")
    assert job.params == {"filters": {"action": "user.create", "date_from": "2025-01-01"}}


def test_audit_export_with_an_invalid_filter_queues_nothing(db, client, login_as):
    login_as(UserFactory(role="admin"))
    resp = post_form(client, "/admin/audit/export", {"date_from": "2025-13-45"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/audit/"
    assert db.session.scalars(select(BackgroundJob)).all() == []
