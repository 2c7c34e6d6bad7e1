"""The registration campaign: invitation letters for a parent's unregistered vendors as one
letter batch, addressed to the vendors, and each vendor marked invited when its letter is
issued."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from crm import storage
from crm.letters.models import Letter, LetterBatch
from crm.letters.workflow import cancel_letter
from crm.services import ServiceError
from crm.supply_chain import campaign
from crm.supply_chain.models import SupplyChainEvent, SupplyChainLink
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support.queue import work
from tests.support.supply_chain import count, parent_with_rm, prospect, registered


def fresh(db, obj):
    return db.session.get(type(obj), obj.id, populate_existing=True)


def _vendors(parent):
    a = prospect(parent, "PT Vendor Alfa", contact_name="Ibu Ani", contract="Katering")
    a.address = "Jl. Alfa 1\nCilegon"
    b = prospect(parent, "PT Vendor Beta", npwp="0123456789012345", workers=45)
    refused = prospect(parent, "PT Vendor Menolak")
    refused.campaign_status = "refused"
    done = registered(parent, AccountFactory(npp="81818181"))
    return a, b, refused, done


def test_a_campaign_drafts_one_letter_per_uncontacted_prospect(db, client, login_as):
    parent = parent_with_rm()
    a, _b, refused, _done = _vendors(parent)
    login_as(parent.rm)
    page = client.get(f"/supply-chain/{parent.id}/campaign").get_data(as_text=True)
    assert "Katering" in page and ">2<" in page
    resp = post_form(client, f"/supply-chain/{parent.id}/campaign", {"contract": ""})
    assert resp.status_code == 302 and "/letters/batches/" in resp.headers["Location"]
    batch = db.session.scalar(select(LetterBatch).order_by(LetterBatch.id.desc()))
    letters = db.session.scalars(select(Letter).where(Letter.batch_id == batch.id)).all()
    assert batch.letter_type == "ajakan_kepesertaan" and batch.size == len(letters) == 2
    by_company = {x.addressee_company: x for x in letters}
    alfa = by_company["PT Vendor Alfa"]
    assert alfa.account_id == parent.id and alfa.status == "draft"  # the parent's letter
    assert alfa.addressee_name == "Ibu Ani" and "Cilegon" in alfa.address
    assert "PT Vendor Alfa" in alfa.body
    assert alfa.facts["agreement"]["partner"] == parent.name
    assert by_company["PT Vendor Beta"].addressee_name == "Pimpinan PT Vendor Beta"
    assert fresh(db, a).letter_id == alfa.id and fresh(db, refused).letter_id is None
    assert fresh(db, a).campaign_status == "not_contacted"  # invited only once issued
    # A double click lands on the same batch; nobody is invited twice while their letter
    # is alive (later, the page says so).
    again = post_form(client, f"/supply-chain/{parent.id}/campaign", {"contract": ""})
    assert again.headers["Location"].endswith(f"/letters/batches/{batch.id}")
    assert count(LetterBatch) == 1 and count(Letter, Letter.batch_id == batch.id) == 2
    batch.created_at -= timedelta(minutes=5)
    db.session.commit()
    later = post_form(client, f"/supply-chain/{parent.id}/campaign", {"contract": ""})
    assert later.status_code == 400 and "Tidak ada vendor" in later.get_data(as_text=True)


def test_issuing_the_letters_marks_the_vendors_invited(app, db, client, login_as):
    parent = parent_with_rm()
    a, b, _refused, _done = _vendors(parent)
    a.estimated_workers = 1250
    db.session.commit()
    login_as(parent.rm)
    post_form(client, f"/supply-chain/{parent.id}/campaign", {"contract": "Katering"})
    batch = db.session.scalar(select(LetterBatch).order_by(LetterBatch.id.desc()))
    assert batch.size == 1  # only the Katering vendor
    post_form(client, f"/letters/batches/{batch.id}/submit")
    post_form(client, "/logout")
    login_as(UserFactory(role="supervisor"))
    assert post_form(client, f"/letters/batches/{batch.id}/approve").status_code == 302
    work(app)
    a, b = fresh(db, a), fresh(db, b)
    assert a.campaign_status == "invited" and b.campaign_status == "not_contacted"
    letter = fresh(db, a.letter)
    assert letter.status == "issued"
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(storage.read_bytes(letter.pdf_key))).pages
    )
    assert "PT Vendor Alfa" in text and parent.name in text and "Katering" in text
    assert "1.250 (seribu dua ratus lima puluh) orang" in text  # grouped as in Indonesian
    kinds = db.session.scalars(
        select(SupplyChainEvent.kind).where(SupplyChainEvent.link_id == a.id)
    ).all()
    assert kinds == ["letter_drafted", "invited"]
    campaign.mark_invited(letter)  # the hook is idempotent
    assert count(SupplyChainEvent, SupplyChainEvent.link_id == a.id) == 2


def test_a_cancelled_invitation_can_be_made_again(db):
    parent = parent_with_rm()
    link = prospect(parent, "PT Ulang")
    batch, job = campaign.start_campaign(parent, parent.rm)
    assert job is None and batch.size == 1
    cancel_letter(fresh(db, link).letter, parent.rm)
    assert campaign.campaign_targets(parent.id) == [link.id]
    second, _ = campaign.start_campaign(parent, parent.rm)
    assert fresh(db, link).letter.batch_id == second.id


def test_only_the_parents_rm_or_a_supervisor_runs_a_campaign(db):
    parent = parent_with_rm()
    prospect(parent, "PT Siapa")
    with pytest.raises(PermissionError):
        campaign.start_campaign(parent, UserFactory(role="rm"))
    batch, _ = campaign.start_campaign(parent, UserFactory(role="supervisor"))
    assert batch.size == 1


def test_a_large_campaign_is_drafted_by_a_job(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "LETTER_BULK_SYNC_MAX", 3)
    parent = parent_with_rm()
    for i in range(5):
        prospect(parent, f"PT Banyak {i}")
    batch, job = campaign.start_campaign(parent, parent.rm)
    assert job is not None and count(Letter, Letter.batch_id == batch.id) == 0
    db.session.commit()
    work(app)
    job = fresh(db, job)
    assert job.status == "done", job.error
    assert job.result["drafted"] == 5 and count(Letter, Letter.batch_id == batch.id) == 5
    linked = db.session.scalars(
        select(SupplyChainLink.letter_id).where(SupplyChainLink.parent_id == parent.id)
    ).all()
    assert all(linked)


def test_more_vendors_than_the_bulk_limit_get_a_clear_message(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "LETTER_BULK_MAX", 2)
    parent = parent_with_rm()
    for i in range(3):
        prospect(parent, f"PT Lebih {i}")
    with pytest.raises(ServiceError, match="kontrak atau kategori"):
        campaign.start_campaign(parent, parent.rm)
    assert count(LetterBatch) == 0
