"""Office's WeCom screens (included by office/urls.py): the identity mapping and its import, and
signing in with WeCom."""

from django.urls import path

from office import views_wecom_identities as identities
from office import views_wecom_signin as signin

urlpatterns = [
    path("wecom/identities/", identities.wecom_identity_list, name="wecom_identity_list"),
    path("wecom/identities/new/", identities.wecom_identity_create, name="wecom_identity_create"),
    path("wecom/identities/<int:pk>/", identities.wecom_identity_edit, name="wecom_identity_edit"),
    path("wecom/identities/<int:pk>/delete/", identities.wecom_identity_delete, name="wecom_identity_delete"),
    path("wecom/sign-in/", signin.wecom_signin, name="wecom_signin"),
    path("wecom/sign-in/callback/", signin.wecom_signin_callback, name="wecom_signin_callback"),
]
urlpatterns += identities.screens.urls()
