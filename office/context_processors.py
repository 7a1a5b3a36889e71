from office.selectors import inbox_count
from office.selectors.notifications import unread_count


def inbox(request):
    """The header's inbox count and unread notifications, rendered with the page (htmx then keeps
    them fresh)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts = {}
    if user.has_perm("office.view_task"):
        counts["inbox_count"] = inbox_count(user)
    if user.has_perm("office.view_notification"):
        counts["notification_count"] = unread_count(user)
    return counts
