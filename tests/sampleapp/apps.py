from django.apps import AppConfig


class SampleAppConfig(AppConfig):
    """A test-only department: a concrete document and an event with a subscriber."""

    name = "tests.sampleapp"
    label = "sampleapp"

    def ready(self):
        from tests.sampleapp import receivers  # noqa: F401
