"""Background work of search, run by `manage.py run_worker`."""

from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task

from . import registry
from .extract import extract_text
from .index import update_index
from .models import FileText

MAX_FILE_BYTES = 50 * 1024 * 1024


@task
def extract_file_text(kind_name: str, object_id: int, storage_name: str, content_type: str = "") -> str:
    """Read a stored file's text once, keep it, and re-index the document that shows it."""
    kind = registry.kind(kind_name)
    if kind is None:
        return "unknown_kind"
    try:
        with default_storage.open(storage_name, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return "missing"
    extracted = extract_text(data[:MAX_FILE_BYTES], content_type)
    with transaction.atomic():
        FileText.objects.update_or_create(
            name=storage_name, defaults={"text": extracted.text, "outcome": extracted.outcome}
        )
        update_index(kind.model, [object_id])
    return extracted.outcome
