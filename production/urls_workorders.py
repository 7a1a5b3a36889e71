"""Production screens: workorders."""

urlpatterns: list = []
