"""Production screens: engineering."""

urlpatterns: list = []
