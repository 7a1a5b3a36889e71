from office.selectors import inbox_count


def inbox(request):
    """The header's inbox count, rendered with the page (htmx then keeps it fresh)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("office.view_task"):
        return {}
    return {"inbox_count": inbox_count(user)}
