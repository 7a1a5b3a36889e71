"""API plumbing shared by every department's endpoints (docs/architecture.md, "API").

- ``auth``: token authentication (one statement per request) that names the actor in the audit trail
- ``permissions``: the screens' model permissions for the API, and access to a department's root
- ``errors``: the exception handler (DomainError -> 400/409 with the field to blame)
- ``fields``, ``serializers``: code fields, related records by code or id within the user's company,
  quantity and money fields with the models' digits, errors per document line
- ``params``: query parameters parsed with a 400 that names the parameter
- ``viewsets``: the company-scoped viewset mixin, delete-or-deactivate, master-data and root views

Only the first three are imported here: DRF's settings name them (``erp.api.ModelPermissions`` …),
and rest_framework.views loads them while it is itself loading, so this package must not import
views, viewsets or serializers.
"""

from erp.api.auth import AuditedTokenAuthentication, read_token
from erp.api.errors import exception_handler
from erp.api.permissions import HasAppAccess, ModelPermissions

__all__ = ["AuditedTokenAuthentication", "HasAppAccess", "ModelPermissions", "exception_handler", "read_token"]
