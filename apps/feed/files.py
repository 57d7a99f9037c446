"""Attachment checks by content: the type is sniffed from the bytes, never taken from the name."""

import os
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from apps.core.errors import Invalid

# Content types we accept, as detected from the bytes.
ALLOWED_BINARY = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint presentation",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "application/zip": "ZIP archive",
}
TEXT_EXTENSIONS = {".txt": "text/plain", ".csv": "text/csv", ".md": "text/markdown"}


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFKC", os.path.basename(name or "file")).replace("\x00", "")
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '\\/:*?"<>|').strip(". ")
    return name[:200] or "file"


def check_attachment(upload: UploadedFile) -> CheckedFile:
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise Invalid(
            "file_too_large",
            f"“{safe_filename(upload.name)}” is too large ({upload.size / 1_048_576:.1f} MB); "
            f"the limit is {limit // 1_048_576} MB.",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    name = safe_filename(upload.name)
    kind = filetype.guess(head)
    if kind is not None and kind.mime in ALLOWED_BINARY:
        return CheckedFile(upload, name, kind.mime, upload.size)
    extension = os.path.splitext(name)[1].lower()
    if kind is None and extension in TEXT_EXTENSIONS and _is_text(upload):
        return CheckedFile(upload, name, TEXT_EXTENSIONS[extension], upload.size)
    raise Invalid(
        "file_type",
        f"“{name}” is not an accepted file type. Attach PDF, Office or OpenDocument files, "
        "PNG/JPEG images, ZIP archives, or plain text (.txt, .csv, .md).",
    )


def _is_text(upload: UploadedFile) -> bool:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
