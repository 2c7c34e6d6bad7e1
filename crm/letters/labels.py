"""Indonesian labels of the letter types, statuses, render states, channels and events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The renderer (crm.letters.template_context.LETTER_TYPES) holds the titles printed on the letter;
# these are the short names the screens use.
TYPE_LABELS = {
    "pemberitahuan": _l("Surat Pemberitahuan"),
    "teguran_1": _l("Surat Teguran I"),
    "teguran_2": _l("Surat Teguran II"),
    "undangan": _l("Surat Undangan"),
    "pengantar_mou": _l("Surat Pengantar MoU/PKS"),
    "rekomendasi_tmp2t": _l("Surat Rekomendasi TMP2T"),
    "piagam_sertakan": _l("Piagam SERTAKAN"),
    "ajakan_kepesertaan": _l("Surat Ajakan Pendaftaran Kepesertaan"),
}
STATUS_LABELS = {
    "draft": _l("Draf"),
    "returned": _l("Dikembalikan"),
    "submitted": _l("Menunggu persetujuan"),
    "approved": _l("Disetujui"),
    "issued": _l("Terbit"),
    "dispatched": _l("Dikirim"),
    "received": _l("Diterima"),
    "cancelled": _l("Dibatalkan"),
}
RENDER_LABELS = {
    "none": _l("Belum"),
    "queued": _l("Dalam antrean"),
    "rendering": _l("Sedang dibuat"),
    "done": _l("Selesai"),
    "failed": _l("Gagal"),
}
CHANNEL_LABELS = {
    "hand": _l("Diantar langsung"),
    "courier": _l("Kurir"),
    "registered_post": _l("Pos tercatat"),
    "email": _l("Surel"),
}
EVENT_LABELS = {
    "drafted": _l("Draf dibuat"),
    "edited": _l("Draf diubah"),
    "submitted": _l("Diajukan untuk persetujuan"),
    "returned": _l("Dikembalikan untuk perbaikan"),
    "approved": _l("Disetujui dan diberi nomor"),
    "rendered": _l("PDF dibuat"),
    "render_failed": _l("Pembuatan PDF gagal"),
    "issued": _l("Terbit"),
    "dispatched": _l("Dikirim"),
    "received": _l("Diterima penerima"),
    "cancelled": _l("Dibatalkan"),
    "reprinted": _l("Dicetak ulang"),
}
GROUPS = {
    "type": TYPE_LABELS,
    "status": STATUS_LABELS,
    "render": RENDER_LABELS,
    "channel": CHANNEL_LABELS,
    "event": EVENT_LABELS,
}


def letter_label(group: str, value: str | None) -> str:
    """The label of a code in a group; the code itself when unknown."""
    if value is None:
        return "-"
    return str(GROUPS.get(group, {}).get(value, value))
