from django.apps import AppConfig


class SampleAppConfig(AppConfig):
    """A test-only department: a concrete document and an event with a subscriber."""

    name = "tests.sampleapp"
    label = "sampleapp"

    def ready(self):
        from erp.imports import register_import_kind
        from office.approval_types import register_approval_type
        from tests.sampleapp import receivers  # noqa: F401
        from tests.sampleapp.approvals import SAMPLE_TYPE
        from tests.sampleapp.imports import DEPARTMENTS

        register_import_kind(DEPARTMENTS)
        register_approval_type(SAMPLE_TYPE)
