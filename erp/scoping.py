"""One way to scope what a user may see or act on (design.md rule 11), in NetBox's ``restrict`` manner.

``restrict(queryset, user, action)`` — also ``Model.objects.restrict(user, action)`` on the business
models — narrows a queryset to the user's company and then applies every scope rule registered for
its model. Selectors, views, API querysets, exports and imports all read through it, so a report can
never show what the list would hide.

A rule is registered by the app that owns the reason for it, from its ``AppConfig.ready()``:

- ``GrantScope``: rows whose ``path`` leads to an object granted to the user with an object permission
  (django-guardian, to the user or to one of the user's groups); a user holding the permission (or
  one of ``bypass``) globally is not limited. A sales rep's customers, a keeper's warehouses.
- any callable ``(queryset, user, action) -> queryset`` for what a grant cannot express, e.g. sales
  limiting inventory's delivery notes to the customers a rep serves (inventory cannot know them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast
from guardian.models import GroupObjectPermission, UserObjectPermission

from erp.permissions import user_company

ModelT = TypeVar("ModelT", bound=models.Model)

VIEW = "view"
CHANGE = "change"


class ScopeRule(Protocol):
    def __call__(self, queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]: ...


SCOPE_RULES: dict[str, list[ScopeRule]] = {}  # "app_label.model_name" -> rules


def model_label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def register_scope(model: type[models.Model] | str, rule: ScopeRule) -> None:
    """Limit ``model``'s rows by ``rule`` wherever they are read through ``restrict``."""
    label = model if isinstance(model, str) else model_label(model)
    rules = SCOPE_RULES.setdefault(label.lower(), [])
    if rule not in rules:
        rules.append(rule)


def rules_for(model: type[models.Model]) -> list[ScopeRule]:
    return SCOPE_RULES.get(model_label(model), [])


def restrict(queryset: QuerySet[ModelT], user: Any, action: str = VIEW) -> QuerySet[ModelT]:
    """``queryset`` as far as ``user`` may see it (``action`` "view") or act on it ("change"…): their
    company's rows (a model with a ``company`` field), narrowed by the model's scope rules. An
    anonymous or inactive user sees nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    model = queryset.model
    if any(field.name == "company" for field in model._meta.concrete_fields):
        company = user_company(user)
        if company is None:
            return queryset.none()
        queryset = queryset.filter(company=company)
    for rule in rules_for(model):
        queryset = rule(queryset, user, action)
    return queryset


def grant_subqueries(user: Any, perm: str, model: type[models.Model] | str) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The ids of the objects of ``model`` granted to ``user`` with ``perm``: (through the user's own
    object permissions, through the user's groups'), as subqueries on guardian's tables."""
    if isinstance(model, str):
        model = apps.get_model(model)
    app_label, codename = perm.split(".", 1)
    content_type = ContentType.objects.get_for_model(model)
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).values("pk")
    own = (UserObjectPermission.objects.filter(user_id=user.pk, permission__in=permission,
                                               content_type=content_type)
           .annotate(object_id=Cast("object_pk", BigIntegerField())).values("object_id"))
    memberships = get_user_model().groups.through
    user_groups = memberships.objects.filter(**{
        get_user_model().groups.field.m2m_field_name() + "_id": user.pk}).values("group_id")
    grouped = (GroupObjectPermission.objects.filter(group_id__in=user_groups, permission__in=permission,
                                                    content_type=content_type)
               .annotate(object_id=Cast("object_pk", BigIntegerField())).values("object_id"))
    return own, grouped


def grant_condition(path: str, user: Any, perm: str, model: type[models.Model] | str) -> Q:
    """``Q`` for "the object at ``path`` is granted to ``user`` with ``perm``" (user or group grant)."""
    own, grouped = grant_subqueries(user, perm, model)
    return Q(**{f"{path}__in": own}) | Q(**{f"{path}__in": grouped})


@dataclass(frozen=True)
class GrantScope:
    """Rows whose ``path`` (a lookup to the granted object's id, e.g. "customer_id", "pk") leads to an
    object of ``model`` granted to the user with ``perm``. A user holding ``perm`` or one of
    ``bypass`` globally (or a superuser) is not limited. ``actions``: the actions it limits (all if
    empty)."""

    path: str
    perm: str
    model: str  # "app_label.ModelName" of the granted objects
    bypass: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()

    def sees_all(self, user: Any) -> bool:
        return user.is_superuser or any(user.has_perm(perm) for perm in (self.perm, *self.bypass))

    def __call__(self, queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        if (self.actions and action not in self.actions) or self.sees_all(user):
            return queryset
        return queryset.filter(grant_condition(self.path, user, self.perm, self.model))


class RestrictedQuerySet(QuerySet[ModelT]):
    """A queryset that knows ``restrict(user, action)``: the default manager of the business models."""

    def restrict(self, user: Any, action: str = VIEW) -> RestrictedQuerySet[ModelT]:
        return restrict(self, user, action)  # type: ignore[return-value]


def restricted_manager() -> Any:
    return RestrictedQuerySet.as_manager()


def check_scope_rules(models_: Iterable[type[models.Model]]) -> list[str]:
    """Rules registered for models that are not installed (a typo in a label): for a system check."""
    installed = {model_label(model) for model in models_}
    return sorted(label for label in SCOPE_RULES if label not in installed)
