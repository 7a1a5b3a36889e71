"""One way to scope what a user may see or act on (design.md rule 11), in NetBox's ``restrict`` manner.

``restrict(queryset, user, action)`` — also ``Model.objects.restrict(user, action)`` on the business
models — narrows a queryset to the user's company and then applies every scope rule registered for
its model. Selectors, views, API querysets, exports and imports all read through it, so a report can
never show what the list would hide. ``action`` is ``VIEW`` (reading) or ``CHANGE`` (anything that
writes: editing, posting, cancelling…); a rule may let a user read more than they may change.

A rule is registered by the app that owns the reason for it, from its ``AppConfig.ready()``:

- ``GrantScope``: rows whose ``paths`` lead to an object granted to the user with an object permission
  (django-guardian, to the user or to one of the user's groups); a user holding the permission (or
  one of ``bypass``, or for reading one of ``view_bypass``) globally is not limited. A sales rep's
  customers, a keeper's warehouses.
- ``Through``: rows whose parent (a document line's document, a contact's customer) the user may see:
  the parent model's own rules apply.
- any callable ``(queryset, user, action) -> queryset`` for what a grant cannot express, e.g. sales
  limiting inventory's delivery notes to the customers a rep serves (inventory cannot know them).

Speed: a grant scope becomes a literal list of ids (``customer_id IN (3, 17, …)``), read in one small
query on guardian's tables and already limited to the user's company, so the company filter is left
out (``implies_company``) and PostgreSQL can count a rep's orders with an index-only scan of the
customer index instead of joining guardian's table to every order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.db import models
from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast

if TYPE_CHECKING:
    from erp.models import Company

ModelT = TypeVar("ModelT", bound=models.Model)

VIEW = "view"
CHANGE = "change"

# Above this many granted objects the scope stays a subquery: a literal list that long costs more to
# send and plan than the semi-join it replaces.
LITERAL_IDS_LIMIT = 5_000


class ScopeRule(Protocol):
    def __call__(self, queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]: ...


@runtime_checkable
class CompanyScopeRule(Protocol):
    """A rule that can say its narrowing already keeps to the user's company (so ``restrict`` need
    not filter by company as well)."""

    def implies_company(self, user: Any, action: str) -> bool: ...


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


def has_company_field(model: type[models.Model]) -> bool:
    return any(field.name == "company" for field in model._meta.concrete_fields)


def user_company(user: Any) -> Company | None:
    from erp.permissions import user_company as company_of  # erp.models imports this module

    company: Company | None = company_of(user)
    return company


def is_signed_in(user: Any) -> bool:
    return user is not None and bool(user.is_authenticated) and bool(user.is_active)


def restrict(queryset: QuerySet[ModelT], user: Any, action: str = VIEW) -> QuerySet[ModelT]:
    """``queryset`` as far as ``user`` may see it (``action`` VIEW) or act on it (CHANGE): their
    company's rows (a model with a ``company`` field), narrowed by the model's scope rules. An
    anonymous or inactive user, or one without a company, sees nothing."""
    if not is_signed_in(user):
        return queryset.none()
    model = queryset.model
    company_implied = False
    for rule in rules_for(model):
        queryset = rule(queryset, user, action)
        if isinstance(rule, CompanyScopeRule) and rule.implies_company(user, action):
            company_implied = True
    if has_company_field(model) and not company_implied:
        company = user_company(user)
        if company is None:
            return queryset.none()
        queryset = queryset.filter(company=company)
    return queryset


def is_restricted(model: type[models.Model]) -> bool:
    """Whether ``model`` is narrowed beyond the user's company (it has scope rules)."""
    return bool(rules_for(model))


# Grants ---------------------------------------------------------------------------------------


def grant_subqueries(user: Any, perm: str, model: type[models.Model] | str) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The ids of the objects of ``model`` granted to ``user`` with ``perm``: (through the user's own
    object permissions, through the user's groups'), as subqueries on guardian's tables."""
    from guardian.models import GroupObjectPermission, UserObjectPermission  # erp.models imports this module

    if isinstance(model, str):
        model = apps.get_model(model)
    codename = perm.split(".", 1)[1]
    content_type = ContentType.objects.get_for_model(model)
    permission = Permission.objects.filter(content_type=content_type, codename=codename).values("pk")
    own = (UserObjectPermission.objects.filter(user_id=user.pk, permission__in=permission,
                                               content_type=content_type)
           .annotate(object_id=Cast("object_pk", BigIntegerField())).values("object_id"))
    user_model = get_user_model()
    memberships = user_model.groups.through
    user_groups = memberships.objects.filter(**{
        user_model.groups.field.m2m_field_name() + "_id": user.pk}).values("group_id")
    grouped = (GroupObjectPermission.objects.filter(group_id__in=user_groups, permission__in=permission,
                                                    content_type=content_type)
               .annotate(object_id=Cast("object_pk", BigIntegerField())).values("object_id"))
    return own, grouped


def granted(user: Any, perm: str, model: type[models.Model] | str, company: Company | None = None) -> QuerySet[Any]:
    """The ids (``values_list("pk")``) of the objects of ``model`` granted to ``user`` with ``perm``,
    to the user or to one of their groups, within ``company`` (when given and the model has one)."""
    if isinstance(model, str):
        model = apps.get_model(model)
    own, grouped = grant_subqueries(user, perm, model)
    objects = model._default_manager.filter(pk__in=own.union(grouped))
    if company is not None and has_company_field(model):
        objects = objects.filter(company=company)
    return objects.values_list("pk", flat=True)


def grant_condition(path: str, user: Any, perm: str, model: type[models.Model] | str) -> Q:
    """``Q`` for "the object at ``path`` is granted to ``user`` with ``perm``" (user or group grant),
    as a subquery: for rules that embed the grant in a larger query."""
    return Q(**{f"{path}__in": granted(user, perm, model)})


# Granted ids are kept on the user object (one request, or one test's user) together with this
# process's grant version; any change of an object permission or of a user's groups in this process
# moves the version (signals below), so a grant made a moment ago counts at once. Other processes
# read afresh with their next request's user object.
_GRANT_VERSION = [0]


def grant_changed(**kwargs: Any) -> None:
    _GRANT_VERSION[0] += 1


def grants_cache(user: Any) -> dict[tuple[str, str], Any]:
    cached: tuple[int, dict[tuple[str, str], Any]] | None = getattr(user, "_scope_grants", None)
    if cached is None or cached[0] != _GRANT_VERSION[0]:
        cached = (_GRANT_VERSION[0], {})
        user._scope_grants = cached
    return cached[1]


def connect_grant_signals() -> None:
    """Called from the core's AppConfig.ready()."""
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from guardian.models import GroupObjectPermission, UserObjectPermission

    for model in (UserObjectPermission, GroupObjectPermission):
        post_save.connect(grant_changed, sender=model, dispatch_uid=f"scope-grants-save-{model.__name__}")
        post_delete.connect(grant_changed, sender=model, dispatch_uid=f"scope-grants-delete-{model.__name__}")
    m2m_changed.connect(grant_changed, sender=get_user_model().groups.through, dispatch_uid="scope-grants-groups")


def holds_globally(user: Any, perms: Iterable[str]) -> bool:
    return bool(user.is_superuser) or any(user.has_perm(perm) for perm in perms)


@dataclass(frozen=True)
class GrantScope:
    """Rows whose ``paths`` (lookups to the granted object's id, e.g. "customer_id", "pk"; several:
    any of them) lead to an object of ``model`` granted to the user with ``perm``, to the user or to
    one of their groups, within the user's company. A superuser, or a user holding ``perm`` or one
    of ``bypass`` globally, is not limited; for reading (VIEW) also one holding one of
    ``view_bypass``."""

    paths: tuple[str, ...]
    perm: str
    model: str  # "app_label.modelname" of the granted objects
    bypass: tuple[str, ...] = ()
    view_bypass: tuple[str, ...] = ()

    def sees_all(self, user: Any, action: str = VIEW) -> bool:
        perms = (self.perm, *self.bypass, *(self.view_bypass if action == VIEW else ()))
        return holds_globally(user, perms)

    def granted_ids(self, user: Any) -> QuerySet[Any]:
        return granted(user, self.perm, self.model, user_company(user))

    def id_filter(self, user: Any) -> list[int] | QuerySet[Any]:
        """The granted ids as a literal list (one query, kept on the user object for the request), or
        as a subquery when there are very many."""
        key = (self.perm, self.model)
        cache = grants_cache(user)
        if key not in cache:
            ids = self.granted_ids(user)
            listed = list(ids[: LITERAL_IDS_LIMIT + 1])
            cache[key] = ids if len(listed) > LITERAL_IDS_LIMIT else listed
        return cache[key]

    def condition(self, user: Any) -> Q:
        ids = self.id_filter(user)
        condition = Q()
        for path in self.paths:
            condition |= Q(**{f"{path}__in": ids})
        return condition

    def __call__(self, queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        if self.sees_all(user, action):
            return queryset
        return queryset.filter(self.condition(user))

    def implies_company(self, user: Any, action: str) -> bool:
        # The granted ids were read within the user's company; so are the rows they lead to.
        return not self.sees_all(user, action)

    def allows(self, user: Any, obj: models.Model, action: str = VIEW) -> bool:
        """Whether ``obj`` (an object of ``model``) is within the user's scope for ``action``."""
        if not is_signed_in(user) or getattr(obj, "company_id", None) != getattr(user_company(user), "pk", None):
            return False
        return self.sees_all(user, action) or self.granted_ids(user).filter(pk=obj.pk).exists()


@dataclass(frozen=True)
class Through:
    """Rows whose parent at ``path`` (a foreign key, e.g. "order") the user may see or act on: the
    parent model's scope (company and rules) applies. For lines, contacts, approvals…"""

    path: str
    model: str  # "app_label.modelname" of the parent

    def __call__(self, queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        parents = restrict(apps.get_model(self.model)._default_manager.all(), user, action)
        return queryset.filter(**{f"{self.path}__in": parents.values("pk")})

    def implies_company(self, user: Any, action: str) -> bool:
        return True  # the parents were limited to the user's company


class RestrictedQuerySet(QuerySet[ModelT]):
    """A queryset that knows ``restrict(user, action)``: the default manager of the business models."""

    def restrict(self, user: Any, action: str = VIEW) -> RestrictedQuerySet[ModelT]:
        restricted: RestrictedQuerySet[ModelT] = restrict(self, user, action)  # type: ignore[assignment]
        return restricted


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    """``Model.objects`` of the business models: ``Model.objects.restrict(user, action)``."""


def check_scope_rules(models_: Iterable[type[models.Model]]) -> list[str]:
    """Rules registered for models that are not installed (a typo in a label): for a system check."""
    installed = {model_label(model) for model in models_}
    return sorted(label for label in SCOPE_RULES if label not in installed)


def unscoped_models(models_: Iterable[type[models.Model]]) -> list[str]:
    """Models read through ``restrict`` that it could not limit at all: no company field and no rule
    (a line model whose ``Through`` rule was forgotten)."""
    return sorted(model_label(model) for model in models_
                  if isinstance(model._default_manager, RestrictedManager)
                  and not has_company_field(model) and not rules_for(model))


def check_scopes(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """System check (registered by the core): every scope rule names an installed model, every
    restricted model is limited by a company or a rule."""
    installed = apps.get_models()
    errors: list[checks.CheckMessage] = [
        checks.Error(f"A scope rule is registered for {label}, which is not an installed model.", id="erp.E101")
        for label in check_scope_rules(installed)
    ]
    errors += [
        checks.Error(f"{label} is read through restrict() but has no company field and no scope rule: "
                     "register one (e.g. Through(<parent>)) in its app's ready().", id="erp.E102")
        for label in unscoped_models(installed)
    ]
    return errors
