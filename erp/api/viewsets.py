"""Viewset behaviour every department's API builds on (docs/architecture.md, "API").

- ``CompanyViewMixin``: the user's company, the actor the services take, a too-large number as a
  400, reading a record back after a service wrote it; a write or action on a record the user sees
  but may not change (erp.scoping, CHANGE) is a 403. DomainErrors raised by the services become
  400/409 with the field to blame in ``erp.api.errors.exception_handler``, for every view.
- ``ReloadAfterSaveMixin``: create and update answer with the record as the viewset reads it.
- ``DeleteOrDeactivateMixin``: DELETE through the department's delete service (409 while in use).
- ``MasterDataViewSet``: CRUD of coded master data as ``restrict`` lets the user see it (their
  company's; a keeper's warehouses).
- ``DepartmentRootView``: a department router's root, for users holding any of its permissions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db.models import Model, Q, QuerySet
from rest_framework import exceptions, permissions, routers, serializers, viewsets
from rest_framework.response import Response

from erp.api.errors import number_out_of_range
from erp.api.params import Params, parse_bool
from erp.api.permissions import HasAppAccess
from erp.models import Company
from erp.permissions import user_company
from erp.scoping import CHANGE, VIEW, restrict

if TYPE_CHECKING:
    _ViewSet = viewsets.GenericViewSet[Any]
else:  # the mixins stay plain classes at run time: the viewsets' method order is theirs
    _ViewSet = object

M = TypeVar("M", bound=Model)


def may_change(user: Any, instance: Model) -> bool:
    """Whether ``user`` may change ``instance``, which they see (erp.scoping, CHANGE). No query when
    the user's scope is the same for changing as for reading (a keeper's own warehouses, a rep's
    customers, a manager's everything): the two restricted querysets then compile alike."""
    rows = type(instance)._default_manager.filter(pk=instance.pk)
    changeable = restrict(rows, user, CHANGE)
    try:
        if str(changeable.query) == str(restrict(rows, user, VIEW).query):
            return True
    except EmptyResultSet:  # a scope that can match nothing does not compile: ask the database
        pass
    return changeable.exists()


class CompanyViewMixin(_ViewSet):
    """Every endpoint of a department: rows as ``get_queryset`` reads them through the department's
    scoping selectors (``restrict``: a record out of scope is a 404), writes through the services with
    the user as ``actor``; any write or action on a record the user sees but may not change is a 403
    (``get_object``). Related records named in a body are scoped by their fields (erp.api.fields).
    Put it first among the bases."""

    def get_object(self) -> Any:
        instance = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS and not may_change(self.request.user, instance):
            self.refuse_change(instance)
        return instance

    def refuse_change(self, instance: Any) -> NoReturn:
        """The 403 for a write on ``instance``, which the user sees but may not change; a department
        may say why (inventory: the warehouse they may not operate)."""
        raise exceptions.PermissionDenied()

    def handle_exception(self, exc: Exception) -> Response:
        # A number beyond the columns' range: the service's transaction was rolled back.
        return super().handle_exception(number_out_of_range(exc))

    @property
    def company(self) -> Company | None:
        company: Company | None = user_company(self.request.user)
        return company

    @property
    def actor(self) -> Any:
        """The user the services record as having acted."""
        return self.request.user

    def fake(self) -> bool:
        """True while drf-spectacular builds the schema (no user, no company: answer an empty queryset)."""
        return bool(getattr(self, "swagger_fake_view", False))

    def reload(self, instance: M) -> M:
        """``instance`` read again through ``get_queryset`` (its related records and lines loaded)."""
        reloaded: M = self.get_queryset().get(pk=instance.pk)
        return reloaded

    def answer(self, instance: Model) -> Response:
        """The response of an action: the record, read again after the service changed it."""
        return Response(self.get_serializer(self.reload(instance)).data)


class ReloadAfterSaveMixin(CompanyViewMixin):
    """Create and update answer with the saved record as ``get_queryset`` reads it."""

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.reload(serializer.save())


class DeleteOrDeactivateMixin(CompanyViewMixin):
    """DELETE through the department's ``delete_service(instance=, actor=, deactivatable=)``, which
    deletes a record nothing uses and refuses one in use with a DomainError (409). With
    ``deactivatable`` the refusal tells the client to set ``is_active`` false instead
    (``erp.api.fields.DEACTIVATE_HELP`` says so in the schema)."""

    deactivatable: ClassVar[bool] = True
    delete_service: ClassVar[Callable[..., object]]  # wrap it in staticmethod()

    def perform_destroy(self, instance: Any) -> None:
        type(self).delete_service(instance=instance, actor=self.actor, deactivatable=self.deactivatable)


def search_and_active(queryset: QuerySet[M], params: Params) -> QuerySet[M]:
    """Master data narrowed by ``?search=`` (part of the code or name) and ``?active=``."""
    search = params.get("search", "").strip()
    if search:
        queryset = queryset.filter(Q(code__icontains=search) | Q(name__icontains=search))
    active = parse_bool(params, "active")
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return queryset


class MasterDataViewSet(DeleteOrDeactivateMixin, viewsets.ModelViewSet[Any]):
    """CRUD of one kind of coded master data (``model``) in the user's company, ordered by code, with
    ``?search=`` and ``?active=``; delete refuses what is in use."""

    model: ClassVar[type[Model]]

    def get_queryset(self) -> QuerySet[Any]:
        if self.fake():
            return self.model._default_manager.none()
        return restrict(self.model._default_manager.all(), self.request.user).order_by("code")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return search_and_active(queryset, self.request.query_params)


class DepartmentRootView(routers.APIRootView):
    """A department router's root (``router.APIRootView``): for users holding any permission of
    ``app_label``; its docstring describes the department's endpoints."""

    app_label: ClassVar[str] = ""
    permission_classes = [HasAppAccess]
