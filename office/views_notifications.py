"""Screens of the notification service: the bell's count, the user's notifications (filter, mark
read, open), their preferences (a section of the profile page), and the deliveries admins look after."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.permissions import permission_required
from office import notification_channels as registry
from office.models import Notification, NotificationDelivery
from office.notification_forms import DeliveryFilterForm, NotificationFilterForm
from office.selectors.notifications import (
    deliveries_for_user,
    kind_label,
    notification_get_for_user,
    notifications_for_user,
    unread_count,
)
from office.services.notifications import deliveries_retry, notifications_mark_read, preferences_set

PAGE_SIZE = 25


def _page(request, rows):
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


@permission_required("office.view_notification")
def notification_list(request):
    """The user's notifications, newest first, 25 a page; filter read/unread and kind."""
    filters = NotificationFilterForm(request.GET or None)
    rows = notifications_for_user(request.user, read=filters.read_value(), kind=filters.kind_value())
    page = _page(request, rows)
    for notification in page.object_list:
        notification.kind_label = kind_label(notification.kind)
    context = {"page": page, "filters": filters, "notification_count": unread_count(request.user)}
    if request.htmx and request.htmx.target == "results":
        return render(request, "office/partials/notification_list.html", context)
    return render(request, "office/notifications.html", context)


@permission_required("office.view_notification")
def notification_badge(request):
    """The bell's count of unread notifications, polled by htmx."""
    return render(request, "office/partials/notification_badge.html",
                  {"notification_count": unread_count(request.user)})


def _own_notification(request, pk):
    try:
        return notification_get_for_user(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404 from None


@permission_required("office.view_notification")
def notification_open(request, pk):
    """Open a notification: it is read, and the browser goes to its page (a page of this site only)."""
    notification = _own_notification(request, pk)
    notifications_mark_read(user=request.user, notifications=Notification.objects.filter(pk=notification.pk))
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, {request.get_host()}, request.is_secure()):
        return redirect(link)
    return redirect("office:notification_list")


@permission_required("office.view_notification")
@require_POST
def notification_mark_read(request, pk):
    notification = _own_notification(request, pk)
    notifications_mark_read(user=request.user, notifications=Notification.objects.filter(pk=notification.pk))
    return redirect(_back(request, "office:notification_list"))


@permission_required("office.view_notification")
@require_POST
def notifications_mark_all_read(request):
    count = notifications_mark_read(user=request.user)
    messages.success(request, ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.",
                                       count) % {"count": count})
    return redirect(_back(request, "office:notification_list"))


def _back(request, default):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@permission_required("office.change_notificationpreference")
@require_POST
def notification_preferences(request):
    """Save the grid of the profile page: every (kind, optional channel) checkbox, ticked or not."""
    # Only the channels that can reach the user: a greyed-out box (no WeCom id yet) posts nothing and
    # must not be stored as "off", or mapping the user later would leave WeCom silent.
    reachable = [channel for channel in registry.optional_channels() if channel.available_for(request.user)]
    choices = {(spec.key, channel.name): f"{spec.key}:{channel.name}" in request.POST.getlist("on")
               for spec in registry.kinds() for channel in reachable}
    try:
        preferences_set(user=request.user, choices=choices, actor=request.user)
    except DomainError as refusal:
        messages.error(request, str(refusal.message))
        return redirect("profile")
    messages.success(request, _("Your notification preferences were saved."))
    return redirect("profile")


@permission_required("office.view_notificationdelivery")
def delivery_list(request):
    """Every delivery of the company's notifications and group messages, with its status and what
    the channel said; failed ones can be sent again."""
    filters = DeliveryFilterForm(request.GET or None)
    page = _page(request, deliveries_for_user(request.user, **filters.values()))
    for delivery in page.object_list:
        delivery.kind_label = kind_label(delivery.kind)
    context = {"page": page, "filters": filters}
    if request.htmx and request.htmx.target == "results":
        return render(request, "office/partials/delivery_list.html", context)
    return render(request, "office/deliveries.html", context)


@permission_required("office.change_notificationdelivery")
@require_POST
def delivery_retry(request, pk):
    """Send one delivery again now (one more attempt)."""
    deliveries = deliveries_for_user(request.user).filter(pk=pk)
    if not deliveries.exists():
        raise Http404
    count = deliveries_retry(deliveries=NotificationDelivery.objects.filter(pk=pk), actor=request.user)
    if count:
        messages.success(request, _("The delivery was queued again."))
    else:
        messages.info(request, _("This delivery was already sent."))
    return redirect(_back(request, "office:delivery_list"))
