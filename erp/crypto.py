"""Secrets encrypted at rest: a model field whose column holds a Fernet token (AES-128-CBC with an
HMAC-SHA256, PyCA's ``cryptography``), never the secret itself.

Keys come from ``settings.FIELD_ENCRYPTION_KEYS`` (the environment's ``FIELD_ENCRYPTION_KEY``,
comma-separated, newest first; see erp/settings.py and docs/security.md): the first key encrypts, every
key decrypts (``MultiFernet``), so a key is rotated by putting the new one first, running
``manage.py rotate_field_keys`` (every encrypted column re-encrypted with the first key) and then
dropping the old one.

- An empty secret is stored empty (a blank column says "not set" without a key).
- A token no key can decrypt (the key was lost or changed) reads as ``UnreadableSecret``: an empty
  string that remembers its token, so the page still opens, the secret counts as not set, and saving
  the row writes the token back unchanged instead of losing it.
- Lookups on the field are meaningless (every encryption of a value differs): do not filter on it.
- The audit trail never holds a secret: ``mask_in_audit_trail`` (ErpConfig.ready) makes auditlog
  record an encrypted field's changes as ``mask()`` shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

MASK = "••••"
SHOWN_TAIL = 4  # characters of a secret shown after the mask
SHORT_SECRET = 12  # a shorter secret shows no tail (four of eight characters would be half of it)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    """The keys of ``settings.FIELD_ENCRYPTION_KEYS`` (cached per key list, so a test overriding the
    setting gets its own)."""
    keys: Sequence[str] = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ValueError("settings.FIELD_ENCRYPTION_KEYS is empty")
    return _fernet(tuple(keys))


def encrypt(value: str) -> str:
    """``value`` as a Fernet token (text) under the first key."""
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The secret inside ``token``; ``cryptography.fernet.InvalidToken`` when no key opens it."""
    return fernet().decrypt(token.encode("ascii")).decode("utf-8")


class UnreadableSecret(str):
    """A stored secret that no configured key decrypts: reads as "" and keeps its token."""

    token: str

    def __new__(cls, token: str) -> UnreadableSecret:
        value = super().__new__(cls, "")
        value.token = token
        return value


def mask(value: str | None) -> str:
    """A secret as screens and the audit trail show it: "••••" and its last four characters (only the
    mask for a short one); "" when there is none."""
    if isinstance(value, UnreadableSecret):
        return MASK
    if not value:
        return ""
    if len(value) < SHORT_SECRET:
        return MASK
    return MASK + value[-SHOWN_TAIL:]


class SecretInput(forms.PasswordInput):
    """A secret's input: never rendered with its value; the placeholder shows the current one masked."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if value and isinstance(value, str):
            context["widget"]["attrs"]["placeholder"] = mask(value)
        return context

    def use_required_attribute(self, initial: Any) -> bool:
        return not initial and super().use_required_attribute(initial)


class SecretField(forms.CharField):
    """A form field for a secret: blank keeps the stored one (so it is never required by the form;
    the model's validation requires one where the model does)."""

    widget = SecretInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs["required"] = False
        kwargs.setdefault("help_text", gettext_lazy("Stored encrypted and never shown again; leave blank to keep "
                                                    "the current value."))
        super().__init__(**kwargs)


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]  # django-stubs' generic field
    """A text column holding the Fernet token of its value; Python sees the plain value. In a model
    form (and the admin) it is a ``SecretField``: masked, and left as it was when left blank."""

    description = "Text encrypted at rest (Fernet)"

    def formfield(self, form_class: type[forms.Field] | None = None, choices_form_class: Any = None,
                  **kwargs: Any) -> forms.Field | None:
        return super().formfield(form_class=form_class or SecretField, choices_form_class=choices_form_class,
                                 **{"widget": SecretInput, **kwargs})

    def save_form_data(self, instance: models.Model, data: Any) -> None:
        if data:
            super().save_form_data(instance, data)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        try:
            return decrypt(value)
        except (InvalidToken, ValueError):
            return UnreadableSecret(value)

    def to_python(self, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_prep_value(self, value: Any) -> str | None:
        if isinstance(value, UnreadableSecret):
            return value.token
        value = super().get_prep_value(value)
        if not value:
            return None if value is None else ""
        return encrypt(str(value))


def encrypted_fields(model: type[models.Model]) -> list[str]:
    """The names of ``model``'s encrypted fields."""
    return [field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]


def models_with_encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    from django.apps import apps

    found = [(model, encrypted_fields(model)) for model in apps.get_models()]
    return [(model, names) for model, names in found if names]


def audit_mask(value: str) -> str:
    """auditlog's mask for encrypted fields (it passes the text of the plain value; "None" for NULL)."""
    return "" if value in ("", "None") else mask(value)


def mask_in_audit_trail() -> None:
    """Make auditlog (registered for every model by its own ready(), before the core's) record each
    encrypted field through ``audit_mask``, never the secret."""
    from auditlog.registry import auditlog

    for model, names in models_with_encrypted_fields():
        if not auditlog.contains(model):
            continue
        fields = auditlog.get_model_fields(model)
        m2m = auditlog._registry[model]["m2m_fields"]  # no public reader; kept as registered
        auditlog.unregister(model)
        auditlog.register(model, include_fields=fields["include_fields"], exclude_fields=fields["exclude_fields"],
                          mapping_fields=fields["mapping_fields"], m2m_fields=m2m,
                          mask_fields=sorted({*fields["mask_fields"], *names}), mask_callable="erp.crypto.audit_mask")


def rotate_all() -> dict[str, int]:
    """Re-encrypt every encrypted column with the first key (``MultiFernet.rotate``), row by row under
    a row lock; {model label: rows rewritten}. A token no key opens is left as it is (and counted
    under "<label> unreadable")."""
    from django.db import transaction
    from django.db.models import Value
    from django.db.models.functions import Cast

    multi = fernet()
    counts: dict[str, int] = {}
    for model, names in models_with_encrypted_fields():
        label = model._meta.label_lower
        counts[label] = 0
        # Cast to text: the raw tokens, which the encrypted field would decrypt
        raw = {f"raw_{name}": Cast(name, models.TextField()) for name in names}
        for pk in model._base_manager.order_by("pk").values_list("pk", flat=True):
            with transaction.atomic():
                row = model._base_manager.select_for_update().filter(pk=pk).annotate(**raw).values_list(
                    *raw).first()
                if row is None:
                    continue
                changes = {}
                for name, token in zip(names, row, strict=True):
                    if not token:
                        continue
                    try:
                        changes[name] = multi.rotate(token.encode("ascii")).decode("ascii")
                    except InvalidToken:
                        counts[f"{label} unreadable"] = counts.get(f"{label} unreadable", 0) + 1
                if changes:
                    # a Value is written as given: the field's get_prep_value (encryption) is not applied
                    model._base_manager.filter(pk=pk).update(
                        **{name: Value(token, models.TextField()) for name, token in changes.items()})
                    counts[label] += 1
    return counts


def check_field_key(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Deploy check: secrets at rest should have a key of their own, not one derived from SECRET_KEY."""
    from django.core import checks

    if settings.FIELD_ENCRYPTION_KEY_SET:
        return []
    return [checks.Warning(
        "FIELD_ENCRYPTION_KEY is not set: secrets stored in the database are encrypted with a key derived from "
        "SECRET_KEY, and changing SECRET_KEY would leave them unreadable.",
        hint="Set FIELD_ENCRYPTION_KEY to a Fernet key (python3 -c \"import base64, os; "
             "print(base64.urlsafe_b64encode(os.urandom(32)).decode())\"); docs/security.md, \"Secrets at rest\".",
        id="erp.W001")]
