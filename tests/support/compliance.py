"""Helpers for compliance import tests: the monthly file's rows and its upload and confirm."""

from __future__ import annotations

from tests.conftest import post_form
from tests.support import imports

HEADERS = [
    "npp",
    "periode",
    "tk_terdaftar",
    "tk_dilaporkan",
    "upah_dilaporkan",
    "iuran_wajib",
    "iuran_dibayar",
    "tanggal_bayar",
    "pds_tk",
    "pds_upah",
    "pds_program",
    "catatan_pds",
]


def row(npp: str, period="2026-10", due="10.000.000", paid="10.000.000", paid_on="2026-11-13", **o):
    """A month of one account, fully paid unless told otherwise."""
    values = {
        "npp": npp,
        "periode": period,
        "tk_terdaftar": "100",
        "tk_dilaporkan": "100",
        "upah_dilaporkan": "250.000.000",
        "iuran_wajib": due,
        "iuran_dibayar": paid,
        "tanggal_bayar": paid_on,
        "pds_tk": "tidak",
        "pds_upah": "tidak",
        "pds_program": "tidak",
        "catatan_pds": "",
    }
    values.update(o)
    return values


def unpaid(npp: str, **o):
    return row(npp, paid="0", paid_on="", **o)


def to_csv(rows: list[dict], headers=HEADERS) -> bytes:
    return imports.to_csv(rows, headers)


def upload(client, data: bytes, filename="iuran.csv"):
    return imports.upload(client, "/compliance/import", data, filename)


def confirm(client, html: str, **kwargs):
    ticket = imports.ticket_of(html)
    return post_form(client, "/compliance/import/confirm", {"ticket": ticket}, **kwargs)
