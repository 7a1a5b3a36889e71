"""Office's WeCom screens (included by office/urls.py): the identity mapping and its import."""

from django.urls import path

from office import views_wecom_identities as identities

urlpatterns = [
    path("wecom/identities/", identities.wecom_identity_list, name="wecom_identity_list"),
    path("wecom/identities/new/", identities.wecom_identity_create, name="wecom_identity_create"),
    path("wecom/identities/<int:pk>/", identities.wecom_identity_edit, name="wecom_identity_edit"),
    path("wecom/identities/<int:pk>/delete/", identities.wecom_identity_delete, name="wecom_identity_delete"),
]
urlpatterns += identities.screens.urls()
