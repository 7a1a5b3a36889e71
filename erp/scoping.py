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

Speed: a grant scope becomes one array of ids (``customer_id = ANY(%s)``, ``AnyOf``), read in one small
query on guardian's tables and kept on the user object for the rest of the request, so PostgreSQL
estimates the rows exactly: a rep's first page walks the company's date index and the count is an
index-only scan of an index on (customer, status, company), where a subquery on guardian's table
(estimated at 25 customers for 2,500) fetched every one of the rep's orders. The company filter stays
even though the granted ids imply it: the tables' indexes lead with the company (bench/README.md,
"Scope").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.db import models
from django.db.models import BigIntegerField, BooleanField, Expression, F, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from erp.sql import first_column

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


def user_company_id(user: Any) -> int | None:
    """``user_company(user).pk`` without loading the company when the user has one (a query saved
    on every scope check of a confirmation)."""
    if getattr(user, "company_id", None):
        return int(user.company_id)
    company = user_company(user)
    return company.pk if company is not None else None


def is_signed_in(user: Any) -> bool:
    return user is not None and bool(user.is_authenticated) and bool(user.is_active)


def restrict(queryset: QuerySet[ModelT], user: Any, action: str = VIEW) -> QuerySet[ModelT]:
    """``queryset`` as far as ``user`` may see it (``action`` VIEW) or act on it (CHANGE): their
    company's rows (a model with a ``company`` field), narrowed by the model's scope rules. An
    anonymous or inactive user, or one without a company, sees nothing."""
    if not is_signed_in(user):
        return queryset.none()
    model = queryset.model
    if has_company_field(model):
        company = user_company(user)
        if company is None:
            return queryset.none()
        queryset = queryset.filter(company=company)
    for rule in rules_for(model):
        queryset = rule(queryset, user, action)
    return queryset


class AnyOf(Expression):
    """``<path> = ANY(%s)``: membership in a literal list of ids sent as one array parameter. Django's
    ``__in`` with a list prepares, resolves and renders every element in Python (about 20 ms for a
    rep's 2,500 customers, in each query of a page); an array is adapted by the driver in C, and the
    planner estimates it as exactly as the list."""

    output_field = BooleanField()

    def __init__(self, path: str, values: Iterable[int]) -> None:
        super().__init__()
        self.lhs: Any = F(path)
        self.values = [int(value) for value in values]

    def __repr__(self) -> str:
        return f"AnyOf({self.lhs!r}, <{len(self.values)} ids>)"

    def get_source_expressions(self) -> list[Any]:
        return [self.lhs]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.lhs,) = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.lhs)
        db_type = self.lhs.output_field.db_type(connection)
        return f"{sql} = ANY(%s::{db_type}[])", (*params, self.values)


class AnyOfQuery(Expression):
    """``<path> = ANY(ARRAY(<subquery>))``: membership in a subquery's rows, computed once (an
    InitPlan), so an index on ``<path>`` serves each branch of an OR. ``<path> IN (<subquery>)`` in an
    OR becomes a hashed filter over every row of the table instead: the tasks about an order and its
    delivery notes took 570 ms at 1.9 million tasks, 0.7 ms this way (bench/README.md)."""

    output_field = BooleanField()

    def __init__(self, path: str, queryset: QuerySet[Any]) -> None:
        super().__init__()
        self.lhs: Any = F(path)
        self.subquery: Any = Subquery(queryset)

    def __repr__(self) -> str:
        return f"AnyOfQuery({self.lhs!r}, {self.subquery!r})"

    def get_source_expressions(self) -> list[Any]:
        return [self.lhs, self.subquery]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.lhs, self.subquery = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.lhs)
        sub_sql, sub_params = compiler.compile(self.subquery)  # "(SELECT …)"
        return f"{sql} = ANY(ARRAY{sub_sql})", (*params, *sub_params)


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


def granted(user: Any, perm: str, model: type[models.Model] | str) -> QuerySet[Any]:
    """The ids (``values_list``) of the objects of ``model`` granted to ``user`` with ``perm``, to the
    user or to one of their groups: one query on guardian's tables (two index scans)."""
    own, grouped = grant_subqueries(user, perm, model)
    ids: QuerySet[Any] = own.values_list("object_id", flat=True).union(grouped.values_list("object_id", flat=True))
    return ids


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
    # guardian's models cannot be imported while erp.models (which imports this module) loads
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
    one of their groups (``restrict`` has kept the user's company's rows). A superuser, or a user
    holding ``perm`` or one of ``bypass`` globally, is not limited; for reading (VIEW) also one
    holding one of ``view_bypass``."""

    paths: tuple[str, ...]
    perm: str
    model: str  # "app_label.modelname" of the granted objects
    bypass: tuple[str, ...] = ()
    view_bypass: tuple[str, ...] = ()

    def sees_all(self, user: Any, action: str = VIEW) -> bool:
        perms = (self.perm, *self.bypass, *(self.view_bypass if action == VIEW else ()))
        return holds_globally(user, perms)

    def granted_ids(self, user: Any) -> QuerySet[Any]:
        """The ids granted to ``user`` (any company: the rows they lead to are filtered by company)."""
        return granted(user, self.perm, self.model)

    def id_filter(self, user: Any) -> list[int] | QuerySet[Any]:
        """The granted ids as a literal list (one query, kept on the user object for the request), or
        as a subquery when there are very many."""
        key = (self.perm, self.model)
        cache = grants_cache(user)
        if key not in cache:
            ids = self.granted_ids(user)
            listed = first_column(ids[: LITERAL_IDS_LIMIT + 1])  # plain ints: no model layer for 2,500 rows
            cache[key] = ids if len(listed) > LITERAL_IDS_LIMIT else listed
        found: list[int] | QuerySet[Any] = cache[key]
        return found

    def condition(self, user: Any) -> Q:
        ids = self.id_filter(user)
        condition = Q()
        for path in self.paths:
            condition |= Q(AnyOf(path, ids)) if isinstance(ids, list) else Q(**{f"{path}__in": ids})
        return condition

    def __call__(self, queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        if self.sees_all(user, action):
            return queryset
        return queryset.filter(self.condition(user))

    def allows(self, user: Any, obj: models.Model, action: str = VIEW) -> bool:
        """Whether ``obj`` (an object of ``model``) is within the user's scope for ``action``: no
        query for a user who sees all, one (kept for the request) for the granted ids otherwise."""
        if not is_signed_in(user) or getattr(obj, "company_id", None) != user_company_id(user):
            return False
        if self.sees_all(user, action):
            return True
        ids = self.id_filter(user)
        if isinstance(ids, list):
            return obj.pk in ids
        return type(obj)._default_manager.filter(pk=obj.pk, pk__in=ids).exists()


@dataclass(frozen=True)
class Through:
    """Rows whose parent at ``path`` (a foreign key, e.g. "order") the user may see or act on: the
    parent model's scope (company and rules) applies. For lines, contacts, approvals…"""

    path: str
    model: str  # "app_label.modelname" of the parent

    def __call__(self, queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        parents = restrict(apps.get_model(self.model)._default_manager.all(), user, action)
        return queryset.filter(**{f"{self.path}__in": parents.values("pk")})


class RestrictedQuerySet(QuerySet[ModelT]):
    """A queryset that knows ``restrict(user, action)``: the default manager of the business models."""

    def restrict(self, user: Any, action: str = VIEW) -> RestrictedQuerySet[ModelT]:
        restricted: RestrictedQuerySet[ModelT] = restrict(self, user, action)  # type: ignore[assignment]
        return restricted


# ``Model.objects`` of the business models: ``Model.objects.restrict(user, action)``.
RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def own_rows(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """Rows that belong to the user alone (``user`` field): a background export."""
    return queryset.filter(user=user.pk)


def register_core_scopes() -> None:
    register_scope("erp.exportjob", own_rows)


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
