"""Writes of the shared core that views call."""

from erp.db import atomic_with_retry
from erp.models import User


@atomic_with_retry
def user_set_language(*, user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user
