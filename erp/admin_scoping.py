"""The Django admin within a company (design.md rule 11): a staff user who is not a superuser (a
company's "System admin") sees and changes only their company's rows in /admin/, and reaches no
model that has no company at all.

Every department's admin builds on ``ScopedAdmin`` (or ``ScopedGuardedAdmin`` for guardian's object
permission pages, ``ScopedInline`` for inlines). The company is found through the model's *company
path*: the ``company`` field, ``pk`` for the company itself, ``company_path`` declared on the admin,
or the path through the parent that a ``Through`` scope rule names (a line's document). A business
model is read through ``restrict`` as well, so a staff user with a narrower role (a keeper) sees in
the admin what their screens show.

Default deny: ``lock_down`` (called from the core's AppConfig.ready, after every app's admin module
has registered its models) re-registers every other ModelAdmin -- auth's groups, auditlog, DRF's
tokens, axes, anything added later -- as superuser-only. A superuser's admin is unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter, RelatedOnlyFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from guardian.admin import GuardedModelAdmin
from guardian.admin import UserManage as GuardianUserManage

from erp.roles import ROLES, role_label
from erp.scoping import VIEW, RestrictedManager, Through, restrict, rules_for

if TYPE_CHECKING:  # django-stubs' admin classes are generic in their model; at run time they are plain classes
    ModelAdminBase = admin.ModelAdmin[Any]
    InlineBase = admin.options.InlineModelAdmin[Any, Any]
    GuardedBase = GuardedModelAdmin
else:
    ModelAdminBase = admin.ModelAdmin
    InlineBase = admin.options.InlineModelAdmin
    GuardedBase = GuardedModelAdmin

# Related models a company admin may pick from although they have no company: what they point at is
# global metadata (the content type of a task's document).
GLOBAL_CHOICES: tuple[type[models.Model], ...] = (ContentType,)


def company_model() -> type[models.Model]:
    return apps.get_model("erp", "Company")


def derived_company_path(model: type[models.Model]) -> str | None:
    """The lookup from ``model`` to its company's id, or None for a model that has no company."""
    if model is company_model():
        return "pk"
    try:
        field = model._meta.get_field("company")
    except FieldDoesNotExist:
        field = None
    if field is not None and field.is_relation and field.related_model is company_model():
        return "company"
    for rule in rules_for(model):  # a line's or a contact's company is its parent's
        if isinstance(rule, Through):
            parent_path = derived_company_path(apps.get_model(rule.model))
            if parent_path is not None:
                return f"{rule.path}__{parent_path}"
    return None


def company_path_of(model: type[models.Model], admin_path: str | None = None) -> str | None:
    """``admin_path`` if given, else the ``company_path`` its registered admin declares, else derived."""
    if admin_path is None:
        registered = admin.site._registry.get(model)
        admin_path = getattr(registered, "company_path", None)
    return admin_path or derived_company_path(model)


def is_company_admin(user: Any) -> bool:
    """A staff user confined to their company (not a superuser)."""
    return bool(user.is_active and user.is_staff and not user.is_superuser)


def scope_queryset(queryset: QuerySet[Any], user: Any, path: str | None = None) -> QuerySet[Any]:
    """``queryset`` limited to ``user``'s company (and to what ``restrict`` lets them see, for the
    business models); everything for a superuser, nothing for a model without a company."""
    if user.is_superuser:
        return queryset
    path = company_path_of(queryset.model, path)
    if path is None or not user.company_id or not user.is_active:
        return queryset.none()
    queryset = queryset.filter(**{path: user.company_id})
    if isinstance(queryset.model._default_manager, RestrictedManager):
        queryset = restrict(queryset, user, VIEW)
    return queryset


def grantable_groups(user: Any) -> QuerySet[Group]:
    """The groups a company admin may put their users in: the roles. Other groups (made by a
    superuser, e.g. for object permissions) are shared by every company: superuser only."""
    groups = Group.objects.all()
    return groups if user.is_superuser else groups.filter(name__in=ROLES)


def choices_for(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """The rows a foreign key or many-to-many field of an admin form may offer ``user``."""
    model = queryset.model
    if user.is_superuser or model in GLOBAL_CHOICES:
        return queryset
    if model is Group:
        return queryset.filter(pk__in=grantable_groups(user).values("pk"))
    return scope_queryset(queryset, user)


class RoleListFilter(RelatedFieldListFilter):
    """A list filter on a role (auth Group): the roles by their names in the reader's language."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        return [(pk, str(role_label(str(name)))) for pk, name in super().field_choices(field, request, model_admin)]


class RoleOnlyListFilter(RelatedOnlyFieldListFilter):
    """``RoleListFilter`` offering only the roles the admin's own rows use."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        return [(pk, str(role_label(str(name)))) for pk, name in super().field_choices(field, request, model_admin)]


def label_roles(formfield: Any) -> Any:
    """A form field choosing roles shows them translated."""
    if formfield is not None and getattr(formfield, "queryset", None) is not None \
            and formfield.queryset.model is Group:
        formfield.label_from_instance = role_label
    return formfield


class ScopedFieldsMixin:
    """Foreign-key and many-to-many choices, list filters and querysets within the company. For both
    model admins and inlines."""

    company_path: str | None = None  # when the model's own company path cannot be derived
    model: type[models.Model]

    def scoped_path(self) -> str | None:
        return company_path_of(self.model, self.company_path)

    def may_use(self, request: HttpRequest) -> bool:
        user: Any = request.user
        if user.is_superuser:
            return True
        return is_company_admin(user) and bool(user.company_id) and self.scoped_path() is not None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        return scope_queryset(queryset, request.user, self.scoped_path())

    @staticmethod
    def company_choices(db_field: Any, user: Any, queryset: QuerySet[Any] | None) -> QuerySet[Any]:
        """A relation field's choices, within the user's company."""
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.all()
        return choices_for(queryset, user)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user: Any = request.user
        if not user.is_superuser:
            kwargs["queryset"] = self.company_choices(db_field, user, kwargs.get("queryset"))
            if db_field.related_model is company_model():  # new rows are the admin's company's
                kwargs["required"] = True
                kwargs["empty_label"] = None
        return label_roles(super().formfield_for_foreignkey(db_field, request, **kwargs))  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user: Any = request.user
        if not user.is_superuser:
            kwargs["queryset"] = self.company_choices(db_field, user, kwargs.get("queryset"))
        return label_roles(super().formfield_for_manytomany(db_field, request, **kwargs))  # type: ignore[misc]


class ScopedAdmin(ScopedFieldsMixin, ModelAdminBase):
    """A model admin confined to the staff user's company (see the module's docstring)."""

    def get_list_filter(self, request: HttpRequest) -> Any:
        # A related filter offers every row of the related table (every company's name): offer
        # only the values the admin's own rows use.
        # Roles (auth groups) are named in the reader's language.
        filters = super().get_list_filter(request)
        superuser = request.user.is_superuser
        scoped: list[Any] = []
        for entry in filters:
            related = self._related_model(entry) if isinstance(entry, str) else None
            if related is Group:
                scoped.append((entry, RoleListFilter if superuser else RoleOnlyListFilter))
            elif related is not None and not superuser:
                scoped.append((entry, RelatedOnlyFieldListFilter))
            else:
                scoped.append(entry)
        return scoped

    def _related_model(self, lookup: str) -> Any:
        """The model a related lookup ends on (None if it is no relation)."""
        try:
            fields = get_fields_from_path(self.model, lookup)
        except (FieldDoesNotExist, admin.utils.NotRelationField):
            return None
        return fields[-1].related_model if fields and fields[-1].is_relation else None

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> Any:
        # Django sends a missing object's change, delete and history pages to the index with a
        # message; out of the company it is simply not there.
        if not request.user.is_superuser:
            raise Http404
        return super()._get_obj_does_not_exist_redirect(request, opts, object_id)  # type: ignore[misc]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        user: Any = request.user
        if not user.is_superuser and self.scoped_path() == "company":
            initial.setdefault("company", user.company_id)
        return initial

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The form offers only the admin's company; kept here too, whatever the form's fields.
        user: Any = request.user
        if not user.is_superuser and self.scoped_path() == "company":
            if change and obj.company_id != user.company_id:
                raise PermissionDenied
            obj.company_id = user.company_id
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_use(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_use(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.may_use(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_use(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_use(request) and super().has_delete_permission(request, obj)


class CompanyUserManage(GuardianUserManage):
    """guardian's "user to manage" box, finding only the company admin's own company's users."""

    company_id: int | None = None

    def clean_user(self) -> Any:
        user: Any = super().clean_user()  # type: ignore[no-untyped-call]
        if self.company_id is not None and user.company_id != self.company_id:
            raise forms.ValidationError(self.fields["user"].error_messages["does_not_exist"])
        return user


class ScopedGuardedAdmin(ScopedAdmin, GuardedBase):  # type: ignore[misc]  # guardian's template attribute
    """``ScopedAdmin`` with guardian's object permission pages: the object is the company's (404
    otherwise); a company admin grants permissions to their company's users only. Groups are shared
    by every company, so granting to a group is for superusers."""

    def get_obj_perms_user_select_form(self, request: HttpRequest) -> Any:
        form: Any = super().get_obj_perms_user_select_form(request)
        user: Any = request.user
        if user.is_superuser:
            return form
        return type("CompanyUserManage", (CompanyUserManage,), {"company_id": user.company_id})

    def _refuse_outsiders(self, request: HttpRequest) -> None:
        if not self.has_change_permission(request, None):
            raise PermissionDenied

    def obj_perms_manage_view(self, request: HttpRequest, object_pk: str) -> HttpResponse:
        self._refuse_outsiders(request)
        if not request.user.is_superuser and "submit_manage_group" in request.POST:
            raise PermissionDenied
        response: HttpResponse = super().obj_perms_manage_view(request, object_pk)  # type: ignore[no-untyped-call]
        return response

    def obj_perms_manage_user_view(self, request: HttpRequest, object_pk: str, user_id: str) -> HttpResponse:
        self._refuse_outsiders(request)
        user: Any = request.user
        if not user.is_superuser:
            from django.contrib.auth import get_user_model

            if not get_user_model()._default_manager.filter(pk=_int_or_404(user_id),
                                                            company_id=user.company_id).exists():
                raise Http404
        response: HttpResponse = super().obj_perms_manage_user_view(request, object_pk, user_id)  # type: ignore[no-untyped-call]
        return response

    def obj_perms_manage_group_view(self, request: HttpRequest, object_pk: str, group_id: str) -> HttpResponse:
        self._refuse_outsiders(request)
        if not request.user.is_superuser:
            raise PermissionDenied
        response: HttpResponse = super().obj_perms_manage_group_view(request, object_pk, group_id)  # type: ignore[no-untyped-call]
        return response


def _int_or_404(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


class ScopedInline(ScopedFieldsMixin, InlineBase):
    """An inline whose choices are the company's (its rows are those of an object already in scope)."""


# Default deny ----------------------------------------------------------------------------------


class SuperuserOnlyAdmin(ModelAdminBase):
    """A model without a company (global tables, third-party admins): for superusers only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and super().has_delete_permission(request, obj)


def is_covered(model_admin: Any) -> bool:
    """Whether a registered ModelAdmin keeps a company admin within their company: scoped by a
    company path, or for superusers only."""
    if isinstance(model_admin, SuperuserOnlyAdmin):
        return True
    return isinstance(model_admin, ScopedAdmin)


def lock_down(site: admin.AdminSite | None = None) -> list[str]:
    """Re-register every ModelAdmin of ``site`` that is not company-scoped as superuser-only; the
    labels of the models it locked."""
    site = site or admin.site
    locked = []
    for model, model_admin in list(site._registry.items()):
        if is_covered(model_admin):
            continue
        original = type(model_admin)
        locked_class = type(f"SuperuserOnly{original.__name__}", (SuperuserOnlyAdmin, original), {
            "__module__": original.__module__})
        site.unregister(model)
        site.register(model, locked_class)
        locked.append(model._meta.label_lower)
    return locked


def check_admin_scopes(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """System check: every admin is scoped or superuser-only, and a scoped admin finds its model's
    company (an admin registered after ``lock_down`` ran would escape it)."""
    errors: list[checks.CheckMessage] = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if not is_covered(model_admin):
            errors.append(checks.Error(f"The admin of {label} is neither company-scoped (erp.admin_scoping."
                                       "ScopedAdmin) nor superuser-only.", id="erp.E111"))
        elif isinstance(model_admin, ScopedAdmin) and not isinstance(model_admin, SuperuserOnlyAdmin) \
                and model_admin.scoped_path() is None:
            errors.append(checks.Error(f"The admin of {label} is company-scoped but {label} has no company path: "
                                       "set company_path on the admin, or make it SuperuserOnlyAdmin.",
                                       id="erp.E112"))
    return errors
