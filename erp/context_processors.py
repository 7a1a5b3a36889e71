from typing import Any

from django.conf import settings
from django.http import HttpRequest

from erp.navigation import menu_for_user
from erp.permissions import user_company
from erp.registry import header_items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "LANGUAGES_CHOICES": settings.LANGUAGES}
    return {
        "menu": menu_for_user(user),
        "header_items": header_items(user),
        "current_company": user_company(user),
        "LANGUAGES_CHOICES": settings.LANGUAGES,
    }
