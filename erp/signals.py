"""Signals of the shared core (in-process, inside the caller's transaction)."""

from django.dispatch import Signal

# Sent by erp.documents.transition after a document's status changed (same transaction).
# Arguments: document, old_status, new_status, actor. Office closes the tasks waiting for it.
document_status_changed = Signal()
