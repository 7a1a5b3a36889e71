"""Screens of announcements (公告): the list (the user's; every one of the company's for those who
manage them), an announcement (opening it marks it read), create/edit/withdraw, and who read it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.forms import show_error
from erp.history import history_for
from erp.permissions import permission_required, user_company
from erp.scoping import CHANGE
from office.models import Announcement
from office.notification_forms import AnnouncementForm
from office.selectors.notifications import (
    announcement_get_for_user,
    announcement_read_counts,
    announcement_receipts,
    announcements_for_user,
    may_manage_announcements,
)
from office.services.announcements import announcement_mark_read, announcement_save, announcement_withdraw

PAGE_SIZE = 25
STATES = [("", _l("All")), ("published", _l("Published")), ("scheduled", _l("Scheduled")),
          ("expired", _l("Expired")), ("withdrawn", _l("Withdrawn"))]


@permission_required("office.view_announcement")
def announcement_list(request):
    manager = may_manage_announcements(request.user)
    state = request.GET.get("state", "") if manager else ""
    state = state if state in dict(STATES) else ""
    search = request.GET.get("q", "").strip()[:100]
    rows = announcements_for_user(request.user, state=state, search=search)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    if manager and page.object_list:
        reads = dict(Announcement.objects.filter(pk__in=[a.pk for a in page.object_list])
                     .annotate(n=Count("reads")).values_list("pk", "n"))
        for announcement in page.object_list:
            announcement.read_count = reads.get(announcement.pk, 0)
    context = {"page": page, "manager": manager, "states": STATES, "state": state, "q": search}
    if request.htmx and request.htmx.target == "results":
        return render(request, "office/partials/announcement_list.html", context)
    return render(request, "office/announcements.html", context)


def _get(request, pk, action=None):
    try:
        announcement = announcement_get_for_user(request.user, pk)
    except Announcement.DoesNotExist:
        raise Http404 from None
    if action == CHANGE and not Announcement.objects.restrict(request.user, CHANGE).filter(pk=pk).exists():
        raise PermissionDenied
    return announcement


@permission_required("office.view_announcement")
def announcement_detail(request, pk):
    """An announcement; opening it records that the user read it. Its managers also see how many of
    its audience read it."""
    announcement = _get(request, pk)
    announcement_mark_read(announcement=announcement, user=request.user)
    manager = may_manage_announcements(request.user)
    context = {"announcement": announcement, "manager": manager, "state": announcement.state()}
    if manager:
        context["counts"] = announcement_read_counts(announcement)
        context["history"] = history_for(announcement, user=request.user)
    return render(request, "office/announcement_detail.html", context)


def _save(request, form, announcement=None):
    data = form.cleaned_data
    try:
        return announcement_save(
            company=user_company(request.user), actor=request.user, announcement=announcement,
            title=data["title"], body=data["body"], audience=data["audience"], departments=data["departments"],
            roles=data["roles"], publish_at=data["publish_at"], expires_at=data["expires_at"])
    except (DomainError, ValidationError) as refusal:
        errors = []
        show_error(refusal, form, errors)
        for error in errors:
            form.add_error(None, error)
        return None


@permission_required("office.add_announcement")
def announcement_create(request):
    company = user_company(request.user)
    form = AnnouncementForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        announcement = _save(request, form)
        if announcement is not None:
            messages.success(request, _("Announcement “%(title)s” saved.") % {"title": announcement.title})
            return redirect("office:announcement_detail", pk=announcement.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "office/announcement_form.html", {"form": form}, status=status)


@permission_required("office.change_announcement")
def announcement_edit(request, pk):
    announcement = _get(request, pk, CHANGE)
    if announcement.is_withdrawn:
        messages.error(request, _("A withdrawn announcement cannot be edited."))
        return redirect("office:announcement_detail", pk=pk)
    initial = {"title": announcement.title, "body": announcement.body, "audience": announcement.audience,
               "departments": list(announcement.departments.all()), "roles": list(announcement.roles.all()),
               "publish_at": announcement.publish_at, "expires_at": announcement.expires_at}
    form = AnnouncementForm(request.POST or None, initial=initial, company=announcement.company)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, announcement)
        if saved is not None:
            messages.success(request, _("Announcement “%(title)s” saved.") % {"title": saved.title})
            return redirect("office:announcement_detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "office/announcement_form.html", {"form": form, "announcement": announcement},
                  status=status)


@permission_required("office.change_announcement")
@require_POST
def announcement_withdraw_view(request, pk):
    announcement = _get(request, pk, CHANGE)
    try:
        announcement_withdraw(announcement=announcement, actor=request.user)
    except DomainError as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("The announcement was withdrawn."))
    return redirect("office:announcement_detail", pk=pk)


@permission_required("office.change_announcement")
def announcement_receipts_view(request, pk):
    """Who of the audience read the announcement, and who has not (25 a page)."""
    announcement = _get(request, pk, CHANGE)
    show = request.GET.get("show", "")
    read = {"read": True, "unread": False}.get(show)
    page = Paginator(announcement_receipts(announcement, read=read), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return render(request, "office/announcement_receipts.html", {
        "announcement": announcement, "page": page, "show": show if read is not None else "",
        "counts": announcement_read_counts(announcement),
    })
