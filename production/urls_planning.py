"""Production screens: planning."""

urlpatterns: list = []
