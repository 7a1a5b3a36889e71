"""What the core does when a user changes: API tokens end with the password and with the account.

A receiver of post_save rather than a call in each place: a password is set by the password
screen, the admin's password form, ``manage.py changepassword`` and services alike, and each of
them saves the user."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from erp.models import User
from erp.services import api_tokens_revoke


@receiver(post_save, sender=User, dispatch_uid="erp-tokens-end-with-password")
def _revoke_tokens_on_password_change_or_deactivation(sender: type[User], instance: User, created: bool,
                                                      **kwargs: Any) -> None:
    # AbstractBaseUser.set_password keeps the new raw password in _password until save() has run
    # (it calls post_save before clearing it): that is how a changed password is told apart.
    password_changed = getattr(instance, "_password", None) is not None
    if not created and (password_changed or not instance.is_active):
        api_tokens_revoke(user=instance)
