"""Sessions end when a user's role or institution changes; password bounds on every form."""

from __future__ import annotations

import pytest
from wtforms import Form, StringField
from wtforms.validators import ValidationError

from crm.admin import services
from crm.auth.forms import MAX_PASSWORD, password_strength
from crm.extensions import db as _db
from tests.factories import InstitutionFactory, UserFactory


class _PasswordForm(Form):
    password = StringField()


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("Rahasia-2026", True),
        ("a1" * (MAX_PASSWORD // 2), True),
        ("a1" * (MAX_PASSWORD // 2) + "x", False),
        ("Rahasia\x1b[2026", False),
        ("Rahasia\t2026x", False),
        ("pendek1", False),
    ],
)
def test_password_strength_bounds_length_and_refuses_control_characters(app, value, ok):
    form = _PasswordForm(data={"password": value})
    with app.test_request_context():
        if ok:
            password_strength(form, form.password)
        else:
            with pytest.raises(ValidationError):
                password_strength(form, form.password)


def test_changing_a_partner_institution_or_role_ends_their_sessions(db):
    admin = UserFactory(role="admin")
    first, second = InstitutionFactory(), InstitutionFactory()
    partner = UserFactory(role="partner", account=first)
    _db.session.flush()
    version = partner.session_version

    def update(**changes):
        fields = {"email": partner.email, "name": partner.name, "role": partner.role}
        fields |= {"branch_office_id": None, "account_id": partner.account_id}
        services.update_user(partner, **(fields | changes), actor=admin)

    update(name="Nama Baru")
    assert partner.session_version == version  # a new name keeps the session
    update(account_id=second.id)
    assert partner.session_version == version + 1
    update(role="rm", account_id=None)
    assert partner.session_version == version + 2
