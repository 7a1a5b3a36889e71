from django.utils.functional import SimpleLazyObject

from office.selectors import inbox_count
from office.selectors.approvals import waiting_count
from office.selectors.notifications import unread_count


def inbox(request):
    """The header's counts, rendered with the page (htmx then keeps them fresh): the open tasks, the
    approval requests waiting for the user's decision (counted only where the header shows it) and the
    unread notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts = {}
    if user.has_perm("office.view_task"):
        counts["inbox_count"] = inbox_count(user)
    if user.has_perm("office.view_approvalrequest"):
        counts["approvals_waiting"] = SimpleLazyObject(lambda: waiting_count(user))
    if user.has_perm("office.view_notification"):
        counts["notification_count"] = unread_count(user)
    return counts
