"""Sales URLs: customer returns (included by sales/urls.py)."""

from django.urls import path

from sales.views import returns as views

urlpatterns = [
    path("returns/", views.return_list, name="return_list"),
    path("returns/new/", views.return_create, name="return_create"),
    path("returns/<int:pk>/", views.return_detail, name="return_detail"),
    path("returns/<int:pk>/edit/", views.return_edit, name="return_edit"),
    path("returns/<int:pk>/post/", views.return_post, name="return_post"),
    path("returns/<int:pk>/cancel/", views.return_cancel, name="return_cancel"),
    path("returns/<int:pk>/print/", views.return_print, name="return_print"),
]
