"""Text out of uploaded documents, for the index: PDF (pypdf), Word (python-docx), Excel (openpyxl), plain text.

Runs in the worker. A file whose type we do not read, or a PDF that is only scanned images,
yields no text and no error: its document is still found by its name.
"""

import io
import logging
from dataclasses import dataclass

import filetype

logger = logging.getLogger(__name__)

MAX_TEXT = 200_000
MAX_PAGES = 200
MAX_ROWS = 5_000


@dataclass(frozen=True)
class Extracted:
    text: str
    outcome: str  # extracted, no_text, unsupported, failed


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts = []
    for page in reader.pages[:MAX_PAGES]:
        parts.append(page.extract_text() or "")
        if sum(map(len, parts)) > MAX_TEXT:
            break
    return "\n".join(parts)


def _docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _xlsx(data: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    parts = []
    try:
        for sheet in workbook.worksheets:
            parts.append(sheet.title)
            for count, row in enumerate(sheet.iter_rows(values_only=True)):
                if count >= MAX_ROWS:
                    break
                parts.append(" ".join(str(v) for v in row if v is not None))
    finally:
        workbook.close()
    return "\n".join(parts)


_READERS = {
    "application/pdf": _pdf,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _docx,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _xlsx,
}
_TEXT = {"text/plain", "text/csv", "text/markdown"}


def extract_text(data: bytes, content_type: str = "") -> Extracted:
    """The readable text of a file, judged by its bytes (the stated type only tells text files apart)."""
    guessed = filetype.guess(data[:8192])
    mime = guessed.mime if guessed is not None else content_type
    reader = _READERS.get(mime)
    try:
        if reader is not None:
            text = reader(data)
        elif guessed is None and content_type in _TEXT:
            text = data.decode("utf-8", errors="replace")
        else:
            return Extracted("", "unsupported")
    except Exception:  # a damaged or hostile file must not stop the worker
        logger.warning("Could not extract text from a %s file", mime, exc_info=True)
        return Extracted("", "failed")
    text = " ".join(text.replace("\x00", " ").split())[:MAX_TEXT]
    return Extracted(text, "extracted" if text else "no_text")
