"""Attachments: accepted by their bytes, stored with the report, served only to who may see it."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from lapor import attachments
from lapor.extensions import db
from lapor.models import Attachment
from lapor.workflow import InvalidInput

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
LIMIT = 5 * 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"


def tiny_png() -> bytes:
    """A real 1×1 red PNG, built chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.mark.parametrize(
    ("data", "expected"),
    [(tiny_png(), "image/png"), (JPEG, "image/jpeg"), (PDF, "application/pdf"),
     (b"hello, I am text", None), (b"", None), (b"GIF89a...", None)],
)
def test_type_comes_from_the_bytes(data, expected):
    found = attachments.sniff(data)
    assert (found[0] if found else None) == expected


def test_a_real_png_becomes_an_attachment_row():
    png = tiny_png()
    row = attachments.build("Foto jalan.png", png, NOW, LIMIT)
    assert (row.filename, row.content_type, row.size) == ("Foto_jalan.png", "image/png", len(png))
    assert row.sha256 == hashlib.sha256(png).hexdigest()
    assert row.content == png and row.created_at == NOW


def test_text_named_png_is_refused_by_content():
    with pytest.raises(InvalidInput) as refused:
        attachments.build("foto.png", b"sebenarnya ini teks biasa", NOW, LIMIT)
    assert refused.value.code == "attachment_type"
    assert refused.value.params == {"name": "foto.png"}


def test_pdf_named_png_is_stored_as_a_pdf():
    row = attachments.build("surat.png", PDF, NOW, LIMIT)
    assert (row.filename, row.content_type) == ("surat.png.pdf", "application/pdf")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("../../etc/passwd.jpg", "passwd.jpg"), ("C:\\Users\\siti\\foto.JPEG", "foto.jpeg"),
     ("", "lampiran.jpg"), ("<script>.jpg", "script.jpg"),
     ("tanpa-ekstensi", "tanpa-ekstensi.jpg"), ("照片.jpg", "lampiran.jpg"), ("صورة.JPG", "lampiran.jpg"),
     ("照片.png", "lampiran.png.jpg"), ("foto jalan.jpeg", "foto_jalan.jpeg"), (".jpg", "lampiran.jpg"),
     ("foto.jpg ", "foto.jpg"), ("Foto.JPG.", "Foto.jpg")],
)
def test_filenames_are_sanitised(name, expected):
    assert attachments.build(name, JPEG, NOW, LIMIT).filename == expected


def test_a_file_over_the_limit_is_refused_with_the_limit_in_megabytes():
    with pytest.raises(InvalidInput) as refused:
        attachments.from_uploads([upload(tiny_png() + b"\x00" * LIMIT, "besar.png")], NOW, LIMIT)
    assert refused.value.code == "attachment_too_large"
    assert refused.value.params == {"name": "besar.png", "limit": 5}


def test_at_most_five_files():
    files = [upload(tiny_png(), f"{i}.png") for i in range(6)]
    with pytest.raises(InvalidInput) as refused:
        attachments.from_uploads(files, NOW, LIMIT)
    assert refused.value.code == "attachment_count"
    assert len(attachments.from_uploads(files[:5], NOW, LIMIT)) == 5


def test_an_empty_file_input_is_no_attachment():
    assert attachments.from_uploads([upload(b"", "")], NOW, LIMIT) == []


def test_refusals_read_naturally_in_both_languages():
    from lapor.i18n import gettext

    too_large = gettext("error.attachment_too_large", "id", name="a.png", limit=5)
    assert too_large == "Lampiran 'a.png' melebihi 5 MB."
    assert gettext("error.attachment_count", "en", limit=5) == "At most 5 attachments."


# Serving, through the real app


def submit_with(client, *files, **fields):
    from tests.test_web_citizen import FORM, private_link

    data = {**FORM, **fields, "attachments": [(io.BytesIO(body), name) for body, name in files]}
    response = client.post("/", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    return private_link(client.get(response.location).get_data(as_text=True))


def stored(app, tracking_id):
    from lapor.models import Report

    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tracking_id)).one()
        return [(a.id, a.filename, a.content_type, a.size) for a in report.attachments]


def test_reporter_downloads_the_attachment_through_the_private_link(client, demo, app):
    png = tiny_png()
    tid, token = submit_with(client, (png, "lubang.png"))
    [(attachment_id, filename, content_type, size)] = stored(app, tid)
    assert (filename, content_type, size) == ("lubang.png", "image/png", len(png))
    page = client.get(f"/laporan/{tid}?akses={token}").get_data(as_text=True)
    link = f"/laporan/{tid}/lampiran/{attachment_id}?akses={token}"
    assert link in page.replace("&amp;", "&") and "lubang.png" in page
    response = client.get(link)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "lubang.png" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == png


def test_attachments_are_not_public_even_for_a_public_report(client, demo, app):
    tid, token = submit_with(client, (tiny_png(), "lubang.png"))
    [(attachment_id, *_)] = stored(app, tid)
    assert client.get(f"/laporan/{tid}/lampiran/{attachment_id}").status_code == 404
    assert client.get(f"/laporan/{tid}/lampiran/{attachment_id}?akses=tebakan").status_code == 404
    assert "lubang.png" not in client.get(f"/laporan/{tid}").get_data(as_text=True)


def test_a_token_opens_only_its_own_reports_attachments(client, demo, app):
    first, _ = submit_with(client, (tiny_png(), "satu.png"))
    second, token = submit_with(client, (PDF, "dua.pdf"))
    [(other_id, *_)] = stored(app, first)
    response = client.get(f"/laporan/{second}/lampiran/{other_id}?akses={token}")
    assert response.status_code == 404
    assert "Lampiran tidak ditemukan." in response.get_data(as_text=True)


def test_staff_who_hold_the_report_download_it_and_others_get_404(client, demo, app, run_worker):
    from tests.test_web_staff import sign_in

    tid, _ = submit_with(client, (PDF, "surat.pdf"), confidential="1")
    run_worker()
    [(attachment_id, *_)] = stored(app, tid)
    path = f"/staff/laporan/{tid}/lampiran/{attachment_id}"
    sign_in(client, demo, "tangkab")
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == PDF
    sign_in(client, demo, "kemenhub")
    assert client.get(path).status_code == 404


def test_rows_are_linked_to_the_report_on_submit(client, demo, app):
    tid, _ = submit_with(client, (tiny_png(), "a.png"), (JPEG, "b.jpg"))
    with app.app_context():
        rows = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert [(r.report.tracking_id, r.content_type) for r in rows] == [
            (tid, "image/png"), (tid, "image/jpeg")]
