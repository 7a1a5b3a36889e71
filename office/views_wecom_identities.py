"""The company admin's WeCom identity screens: the company's users with their WeCom user ids (filtered,
paged, refreshed by htmx), mapping a user, changing or removing a mapping, and the import of the
mapping (``office.imports``, on the shared screens of ``erp.import_views``).

Reads go through ``office.selectors.wecom_identities`` (another company's mapping answers 404), each
write is one call to ``office.services.wecom_identities``; a refusal is shown beside the field it names.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.import_views import ImportScreens
from erp.permissions import permission_required, user_company
from erp.scoping import CHANGE
from office.forms_wecom_identities import WeComIdentityForm, WeComUserFilterForm
from office.models import WeComIdentity
from office.selectors.wecom_identities import wecom_identity_get_for_user, wecom_users_for_admin
from office.services.wecom_identities import wecom_identities_map, wecom_identity_remove

PAGE_SIZE = 25
NAV = "office/wecom/_nav.html"

screens = ImportScreens(
    app_label="office",
    namespace="office",
    index_name="imports",
    index_permission="office.view_wecomidentity",
    title=gettext_lazy("Office imports"),
    intro=gettext_lazy("Load the WeCom user IDs of your users from a CSV (UTF-8) or Excel .xlsx file. Every row "
                       "is checked and shown in a preview first; nothing is imported until the whole file is free "
                       "of errors."),
    nav_template=NAV,
)


@permission_required("office.view_wecomidentity")
def wecom_identity_list(request):
    filters = WeComUserFilterForm(request.GET or None)
    users = wecom_users_for_admin(request.user, **filters.values())
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    context = {"page": page, "filters": filters, "querystring": request.GET.urlencode()}
    if request.htmx and request.htmx.target == "results":
        return render(request, "office/wecom/partials/identity_rows.html", context)
    return render(request, "office/wecom/identity_list.html", context)


def get_identity(request, pk, action):
    try:
        return wecom_identity_get_for_user(request.user, pk, action)
    except WeComIdentity.DoesNotExist:
        raise Http404 from None


def save_mapping(request, form, company):
    """The form's mapping through the service; True when saved, else its refusal beside the field."""
    try:
        wecom_identities_map(company=company, mapping={form.chosen_user(): form.cleaned_data["wecom_userid"]},
                             actor=request.user)
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
        return False
    return True


@permission_required("office.add_wecomidentity")
def wecom_identity_create(request):
    company = user_company(request.user)
    if company is None:
        messages.error(request, _("Your user account is not attached to a company."))
        return redirect("home")
    form = WeComIdentityForm(request.POST if request.method == "POST" else None, company=company,
                             initial={"user": request.GET.get("user")} if request.GET.get("user", "").isdigit() else {})
    if request.method == "POST" and form.is_valid() and save_mapping(request, form, company):
        user = form.chosen_user()
        messages.success(request, _("%(user)s is mapped to WeCom user ID “%(id)s”.") % {
            "user": user, "id": form.cleaned_data["wecom_userid"]})
        return redirect("office:wecom_identity_list")
    return render(request, "office/wecom/identity_form.html", {"form": form, "identity": None})


@permission_required("office.change_wecomidentity")
def wecom_identity_edit(request, pk):
    identity = get_identity(request, pk, CHANGE)
    form = WeComIdentityForm(request.POST if request.method == "POST" else None, company=identity.company,
                             identity=identity)
    if request.method == "POST" and form.is_valid() and save_mapping(request, form, identity.company):
        messages.success(request, _("%(user)s is mapped to WeCom user ID “%(id)s”.") % {
            "user": identity.user, "id": form.cleaned_data["wecom_userid"]})
        return redirect("office:wecom_identity_list")
    return render(request, "office/wecom/identity_form.html", {"form": form, "identity": identity})


@permission_required("office.delete_wecomidentity")
@require_POST
def wecom_identity_delete(request, pk):
    identity = get_identity(request, pk, CHANGE)
    wecom_identity_remove(identity=identity, actor=request.user)  # a refusal: DomainErrorMiddleware's message
    messages.success(request, _("%(user)s is no longer mapped to a WeCom user ID.") % {"user": identity.user})
    return redirect("office:wecom_identity_list")
