"""What office announces.

``approval_decided`` is an in-transaction hook (``erp.events.Hook``, a Django signal): the approval
engine sends it from inside the deciding transaction when a request is finally approved, rejected or
returned for changes, so the department that owns the document (which office may not import) proceeds
in the same transaction — sales records the credit approval of an order. The sender is the document's
model class; kwargs ``request`` (the ApprovalRequest, its ``type_key`` and ``document_id``),
``outcome`` (office.status.ApprovalStatus: approved, rejected or returned) and ``actor`` (the user
who took the last decision). A receiver refuses by raising a DomainError: the decision rolls back.
"""

from django.utils.translation import gettext_lazy as _

from erp.events import Hook

approval_decided = Hook("office.approval_decided", _(
    "An approval request was finally approved, rejected or returned for changes: the document's department "
    "proceeds in the same transaction."))
