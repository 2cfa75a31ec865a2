"""Report attachments: accepted by what the bytes are, not by what the file is called."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePath

from flask import send_file
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from lapor.models import Attachment, Report
from lapor.workflow import InvalidInput, NotFound

MAX_FILES = 5
# magic bytes → (content type, extensions that may name it)
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"%PDF-", "application/pdf", (".pdf",)),
)


def sniff(data: bytes) -> tuple[str, tuple[str, ...]] | None:
    """The content type and its extensions that `data` really is, or None if not allowed."""
    for magic, content_type, extensions in SIGNATURES:
        if data.startswith(magic):
            return content_type, extensions
    return None


def safe_filename(name: str | None, extensions: tuple[str, ...]) -> str:
    """A plain ASCII name whose extension matches the sniffed type; "lampiran" when nothing of
    the name's own stem is left (a name in another script, say)."""
    base = PurePath((name or "").replace("\\", "/")).name.rstrip(" .")  # "foto.jpg " and "foto.jpg." alike
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = secure_filename(stem) or "lampiran"
    if f".{suffix.lower()}" not in extensions:
        # Named as another type: the name keeps what it said, the sniffed type's extension follows.
        said = secure_filename(suffix)
        stem, suffix = (f"{stem}.{said}" if said else stem), extensions[0][1:]
    return f"{stem[:100]}.{suffix.lower()}"


def build(name: str | None, data: bytes, now: datetime, max_bytes: int) -> Attachment:
    """One validated attachment row, not yet linked to a report."""
    shown = (name or "").strip() or "lampiran"
    if len(data) > max_bytes:
        raise InvalidInput("attachment_too_large", name=shown, limit=max_bytes // (1024 * 1024))
    kind = sniff(data)
    if kind is None:
        raise InvalidInput("attachment_type", name=shown)
    content_type, extensions = kind
    return Attachment(
        filename=safe_filename(name, extensions),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        created_at=now,
    )


def from_uploads(files: Iterable[FileStorage], now: datetime, max_bytes: int) -> list[Attachment]:
    """Validate a form's uploads; an empty file input (no name, no bytes) is skipped."""
    chosen = [f for f in files if f is not None and f.filename]
    if len(chosen) > MAX_FILES:
        raise InvalidInput("attachment_count", limit=MAX_FILES)
    # Read one byte past the limit: enough to know it is too large without reading it all.
    return [build(f.filename, f.stream.read(max_bytes + 1), now, max_bytes) for f in chosen]


def find(report: Report, attachment_id: int) -> Attachment:
    """An attachment of this report (never of another one)."""
    for attachment in report.attachments:
        if attachment.id == attachment_id:
            return attachment
    raise NotFound("attachment_not_found")


def download(attachment: Attachment):
    """Send the file as a download with its sniffed type, so no browser renders it inline."""
    response = send_file(
        io.BytesIO(attachment.content),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        etag=attachment.sha256,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
