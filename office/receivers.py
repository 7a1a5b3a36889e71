"""What office does when something happens elsewhere."""

from django.dispatch import receiver

from erp.signals import document_status_changed
from office.services import tasks_follow_document


@receiver(document_status_changed, dispatch_uid="office-close-tasks-on-status")
def tasks_follow_their_document(sender, document, new_status, actor, **kwargs):
    # In-process and in the same transaction: the task closes exactly when the status commits.
    tasks_follow_document(document=document, status=new_status, actor=actor)
