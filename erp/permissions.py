"""One permission mechanism for every screen: login, then a model permission, then object scope
(``erp.scoping.restrict``, applied by the selectors the views read through).

Class views use ``PermissionRequiredMixin`` (set ``permission_required``, or ``login_only = True``
for pages every signed-in user may see); function views use ``permission_required(perm)`` or
``login_only``. Both mark the view so the URL-walk test can prove none was forgotten.
Anonymous users are sent to the login page; signed-in users without the permission get a 403.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from django.conf import settings
from django.contrib.auth import backends as auth_backends
from django.contrib.auth import mixins
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Value
from django.db.models.functions import Concat

from erp.models import Company
from erp.sql import permission_version

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, Permission
    from django.db.models import Model, QuerySet
    from django.http import HttpRequest, HttpResponseRedirect
    from django.http.response import HttpResponseBase

    from erp.models import Company, User

P = ParamSpec("P")
R = TypeVar("R", bound="HttpResponseBase")
V = TypeVar("V", bound=Callable[..., Any])


class PermissionRequiredMixin(mixins.PermissionRequiredMixin):
    login_only = False
    request: HttpRequest  # set by View.setup(); the mixin's stub does not declare it

    def has_permission(self) -> bool:
        if self.login_only:
            return self.request.user.is_authenticated
        return super().has_permission()

    def get_permission_required(self) -> Sequence[str]:
        if self.login_only:
            return ()
        return super().get_permission_required()


def _mark(view: V, requirement: object) -> V:
    view.erp_permission = requirement  # type: ignore[attr-defined]  # a function attribute the URL walk reads
    return view


def permission_required(*perms: str) -> Callable[
    [Callable[Concatenate[HttpRequest, P], R]], Callable[Concatenate[HttpRequest, P], R | HttpResponseRedirect]
]:
    def decorate(
        view: Callable[Concatenate[HttpRequest, P], R],
    ) -> Callable[Concatenate[HttpRequest, P], R | HttpResponseRedirect]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R | HttpResponseRedirect:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return _mark(wrapper, perms)

    return decorate


def any_permission_required(*perms: str) -> Callable[
    [Callable[Concatenate[HttpRequest, P], R]], Callable[Concatenate[HttpRequest, P], R | HttpResponseRedirect]
]:
    """``permission_required`` for a page showing one of several kinds of records, each behind its own
    permission: one of ``perms`` lets the user in, and the view checks the one of what it shows."""
    def decorate(
        view: Callable[Concatenate[HttpRequest, P], R],
    ) -> Callable[Concatenate[HttpRequest, P], R | HttpResponseRedirect]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R | HttpResponseRedirect:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not any(request.user.has_perm(perm) for perm in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return _mark(wrapper, perms)

    return decorate


def login_only(
    view: Callable[Concatenate[HttpRequest, P], R],
) -> Callable[Concatenate[HttpRequest, P], R | HttpResponseRedirect]:
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R | HttpResponseRedirect:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    return _mark(wrapper, "login")


def user_company(user: Any) -> Company | None:
    """The company a user works in; a superuser without one gets the first active company."""
    if user.company_id:
        company: Company = user.company
        return company
    if user.is_superuser:
        return Company.objects.filter(is_active=True).order_by("pk").first()
    return None


def permission_names(user: User) -> QuerySet[Permission, str]:
    """The "app_label.codename" names of the permissions ``user`` holds directly or through a group
    (every permission for a superuser), read in one query."""

    permissions = Permission.objects.all()
    if not user.is_superuser:
        User = type(user)
        own = User.user_permissions.through.objects.filter(**{
            User.user_permissions.field.m2m_field_name(): user.pk}).values("permission_id")
        grouped = Group.permissions.through.objects.filter(group__user=user.pk).values("permission_id")
        permissions = permissions.filter(Q(pk__in=own) | Q(pk__in=grouped))
    return permissions.annotate(full_name=Concat("content_type__app_label", Value("."), "codename")).values_list(
        "full_name", flat=True)


# user id -> (permission version, is_superuser, frozenset of "app_label.codename"); per process.
_PERMISSION_SETS: dict[int, tuple[int, bool, frozenset[str]]] = {}
_PERMISSION_SETS_MAX = 10_000


class ModelBackend(auth_backends.ModelBackend):
    """Django's model backend, reading a user's own and group permissions in one query instead of
    two, and only when they may have changed: a process keeps each user's set with the permission
    version it was read at (see migration erp 0005) and reads it again once the version has moved.
    Token authentication reads the version with the token (erp.api)."""

    def get_all_permissions(self, user_obj: User | AnonymousUser, obj: Model | None = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            version = getattr(user_obj, "_perm_version", None)
            if version is None:
                version = permission_version()  # read before the set: a set is never newer than its version
            known = _PERMISSION_SETS.get(user_obj.pk)
            if known is None or known[0] != version or known[1] != user_obj.is_superuser:
                known = (version, user_obj.is_superuser, frozenset(permission_names(user_obj)))
                if len(_PERMISSION_SETS) >= _PERMISSION_SETS_MAX:
                    _PERMISSION_SETS.clear()
                _PERMISSION_SETS[user_obj.pk] = known
            user_obj._perm_cache = set(known[2])
        return user_obj._perm_cache
