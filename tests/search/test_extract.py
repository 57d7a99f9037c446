"""Text from real generated files (PDF, Word, Excel, plain text), and the worker indexing it end to end."""

import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from PIL import Image

from apps.feed import services as feed
from apps.search import services
from apps.search.extract import extract_text
from apps.search.models import FileText


def pdf_with_text(text: str) -> bytes:
    """A one-page PDF whose page draws `text` in Helvetica (built by hand, offsets and all)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def docx_with_text(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "cell"
    table.rows[0].cells[1].text = "tabulated"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_with_text(text: str) -> bytes:
    workbook = Workbook()
    workbook.active.title = "Budget"
    workbook.active.append([text, 42])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def image_only_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(out, "PDF")
    return out.getvalue()


def test_a_pdfs_text_is_extracted():
    extracted = extract_text(pdf_with_text("Warranty terms for Acme"))
    assert extracted.outcome == "extracted" and "Warranty terms for Acme" in extracted.text


def test_a_word_documents_paragraphs_and_tables_are_extracted():
    extracted = extract_text(docx_with_text("Onboarding checklist"))
    assert "Onboarding checklist" in extracted.text and "tabulated" in extracted.text


def test_an_excel_workbooks_sheets_and_cells_are_extracted():
    extracted = extract_text(xlsx_with_text("Travel costs"))
    assert "Budget" in extracted.text and "Travel costs 42" in extracted.text


def test_an_image_only_pdf_is_skipped_without_error():
    assert extract_text(image_only_pdf()).outcome == "no_text"


def test_a_damaged_file_and_an_unknown_type_are_skipped_without_error():
    assert extract_text(pdf_with_text("x")[:40]).outcome in {"failed", "no_text"}
    assert extract_text(b"\x89PNG\r\n\x1a\n" + b"0" * 100).outcome == "unsupported"
    assert extract_text(b"plain words", "text/plain").text == "plain words"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "make", "word"),
    [("terms.pdf", pdf_with_text, "warranty"), ("list.docx", docx_with_text, "onboarding"),
     ("costs.xlsx", xlsx_with_text, "travel")],
)  # fmt: skip
def test_the_worker_indexes_an_attachments_text(department, member, run_worker, name, make, word):
    post = feed.post_create(
        acting_user=member, department=department, body="See attached",
        attachments=[SimpleUploadedFile(name, make(f"{word.title()} details"))],
    )  # fmt: skip
    assert services.search(acting_user=member, q=word, filters=services.Filters(kind="file")).hits == []
    run_worker()
    (hit,) = services.search(acting_user=member, q=word, filters=services.Filters(kind="file")).hits
    assert hit.url == f"/feed/posts/{post.pk}/#attachment-{post.attachments.get().pk}"
    assert "<mark>" in hit.snippet and FileText.objects.get().outcome == "extracted"
    # Found by its name too, and the post says it has a file.
    assert services.search(acting_user=member, q=name.split(".")[0]).hits
    assert services.search(acting_user=member, q="attached has:file").hits[0].object_id == post.pk
