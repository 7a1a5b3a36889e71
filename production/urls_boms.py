"""Production screens: boms."""

urlpatterns: list = []
