"""The API's permission classes: the same model permissions as the screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import permissions

if TYPE_CHECKING:  # rest_framework.views imports this module while it loads (DEFAULT_PERMISSION_CLASSES)
    from django.db.models import QuerySet
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ModelPermissions(permissions.DjangoModelPermissions):
    """The UI's permissions for the API: reading needs the model's view permission too."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }

    def _queryset(self, view: APIView) -> QuerySet[Any]:
        # Only the model matters here: take it from the view's declared queryset rather than build
        # the scoped one (get_queryset) a second time.
        declared: QuerySet[Any] | None = getattr(view, "queryset", None)
        return declared if declared is not None else super()._queryset(view)


class HasAppAccess(permissions.BasePermission):
    """For users holding any permission of the view's department (its ``app_label``): a
    department's API root lists endpoints, it has no model of its own."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user, app_label = request.user, getattr(view, "app_label", "")
        return bool(app_label and user and user.is_authenticated and user.has_module_perms(app_label))
