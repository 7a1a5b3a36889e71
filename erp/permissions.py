"""One permission mechanism for every screen: login, then a model permission, then object scope.

Class views use ``PermissionRequiredMixin`` (set ``permission_required``, or ``login_only = True``
for pages every signed-in user may see); function views use ``permission_required(perm)`` or
``login_only``. Both mark the view so the URL-walk test can prove none was forgotten.
Anonymous users are sent to the login page; signed-in users without the permission get a 403.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth import backends as auth_backends
from django.contrib.auth import mixins
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from guardian.shortcuts import get_objects_for_user


class PermissionRequiredMixin(mixins.PermissionRequiredMixin):
    login_only = False

    def has_permission(self):
        if self.login_only:
            return self.request.user.is_authenticated
        return super().has_permission()

    def get_permission_required(self):
        if self.login_only:
            return ()
        return super().get_permission_required()


def _mark(view, requirement):
    view.erp_permission = requirement
    return view


def permission_required(*perms):
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return _mark(wrapper, perms)

    return decorate


def login_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    return _mark(wrapper, "login")


def scope_for_user(user, queryset, perm, *, company_field="company"):
    """``queryset`` narrowed to the user's company and, for object-scoped permissions, to the
    objects granted to the user (guardian); a global permission sees the whole company."""
    if company_field and not user.is_superuser:
        queryset = queryset.filter(**{company_field: user.company_id})
    return get_objects_for_user(user, perm, klass=queryset, accept_global_perms=True)


def user_company(user):
    """The company a user works in; a superuser without one gets the first active company."""
    if user.company_id:
        return user.company
    from erp.models import Company

    if user.is_superuser:
        return Company.objects.filter(is_active=True).order_by("pk").first()
    return None


class ModelBackend(auth_backends.ModelBackend):
    """Django's model backend, reading a user's own and group permissions in one query instead of two
    (every API request checks a model permission first)."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            from django.contrib.auth.models import Group, Permission
            from django.db.models import Q

            perms = Permission.objects.all()
            if not user_obj.is_superuser:
                own = type(user_obj).user_permissions.through.objects.filter(**{
                    type(user_obj).user_permissions.field.m2m_field_name(): user_obj}).values("permission_id")
                grouped = Group.permissions.through.objects.filter(group__user=user_obj).values("permission_id")
                perms = perms.filter(Q(pk__in=own) | Q(pk__in=grouped))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in perms.values_list("content_type__app_label", "codename").order_by()
            }
        return user_obj._perm_cache
