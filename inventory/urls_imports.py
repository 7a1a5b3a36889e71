"""Inventory URLs: imports screens (included by inventory/urls.py)."""

from django.urls import path

from inventory.views import imports as views

urlpatterns = [path("imports/", views.import_index, name="import_index")]

for _kind, _segment in views.SEGMENTS.items():
    urlpatterns += [
        path(f"imports/{_segment}/", views.guarded(views.upload, _kind), name=f"import_{_kind}"),
        path(f"imports/{_segment}/template/", views.guarded(views.template_download, _kind),
             name=f"import_{_kind}_template"),
        path(f"imports/{_segment}/<str:token>/", views.guarded(views.preview, _kind), name=f"import_{_kind}_preview"),
        path(f"imports/{_segment}/<str:token>/commit/", views.guarded(views.commit, _kind),
             name=f"import_{_kind}_commit"),
    ]
