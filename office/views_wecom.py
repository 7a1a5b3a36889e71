"""The WeCom screens (company admins): the company's app settings with a test message to oneself, and
the group robots per department with their queues and a test post. Secrets are never shown back
(erp.crypto); WeCom's answers are explained in words (office.wecom.errors) beside their code.

Reads go through office.selectors.wecom (the user's company: another company's robot is a 404),
every write is one call to office.services.wecom; a refusal shows beside its field."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.formats import format_datetime
from erp.forms import show_error
from erp.history import history_for
from erp.permissions import permission_required, user_company
from erp.scoping import CHANGE, VIEW
from office.forms_wecom import RobotFilterForm, RobotMessageFilterForm, WeComRobotForm, WeComSettingsForm
from office.models import WeComRobot, WeComSettings
from office.selectors.wecom import (
    robot_get_for_user,
    robot_messages_for_user,
    robot_queue_status,
    robots_for_user,
    wecom_settings_for_user,
    wecom_userid_of,
)
from office.services import wecom as services

PAGE_SIZE = 25
WRITE_ERRORS = (DomainError, ValidationError)


def _company(request):
    company = user_company(request.user)
    if company is None:
        raise Http404(_("Your user account is not attached to a company."))
    return company


# Settings ----------------------------------------------------------------------------------------

@permission_required("office.view_wecomsettings")
def wecom_settings(request):
    """The company's WeCom app: read by whoever may view it, changed by a company admin."""
    company = _company(request)
    current = wecom_settings_for_user(request.user)
    may_change = request.user.has_perm("office.change_wecomsettings")
    if request.method == "POST" and not may_change:
        raise PermissionDenied
    form = WeComSettingsForm(request.POST or None, instance=current or WeComSettings(company=company),
                             may_change=may_change, may_set_api=request.user.is_superuser)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.wecom_settings_save(company=company, actor=request.user, **form.cleaned_data)
        except WRITE_ERRORS as exc:
            show_error(exc, form, errors)
        else:
            messages.success(request, _("WeCom settings saved."))
            return redirect("office:wecom_settings")
    return render(request, "office/wecom/settings.html", {
        "form": form, "errors": errors, "wecom": current, "may_change": may_change,
        "my_wecom_userid": wecom_userid_of(request.user),
        "history": history_for(current, user=request.user) if current else [],
    })


@permission_required("office.change_wecomsettings")
@require_POST
def wecom_test_message(request):
    """Send oneself an app message and say what WeCom answered."""
    try:
        result = services.wecom_test_app_message(company=_company(request), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("office:wecom_settings")
    if result.complete:
        messages.success(request, _("Test message sent to your WeCom (%(userid)s).") % {
            "userid": ", ".join(result.sent_to)})
    elif result.ok and result.deferred_users:
        messages.warning(request, _("You have had too many messages this minute or hour: the test waits until "
                                    "%(time)s.") % {"time": format_datetime(result.retry_at)})
    else:
        messages.error(request, _("WeCom did not deliver the test message (%(errcode)s): %(explanation)s") % {
            "errcode": result.errcode, "explanation": result.explain()})
    return redirect("office:wecom_settings")


# Robots ------------------------------------------------------------------------------------------

@permission_required("office.view_wecomrobot")
def robot_list(request):
    company = _company(request)
    filters = RobotFilterForm(request.GET or None, company=company)
    department, active, search = filters.values()
    robots = robots_for_user(request.user, department=department, active=active, search=search)
    page = Paginator(robots, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters}
    if request.htmx and request.htmx.target == "results":
        return render(request, "office/wecom/partials/robot_list_table.html", context)
    return render(request, "office/wecom/robot_list.html", context)


def _robot(request, pk, action=VIEW):
    try:
        return robot_get_for_user(request.user, pk, action)
    except WeComRobot.DoesNotExist:
        raise Http404 from None


@permission_required("office.view_wecomrobot")
def robot_detail(request, pk):
    robot = _robot(request, pk)
    filters = RobotMessageFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    page = Paginator(robot_messages_for_user(request.user, robot, status=status), PAGE_SIZE).get_page(
        request.GET.get("page"))
    context = {"robot": robot, "queue": robot_queue_status(robot), "page": page, "filters": filters,
               "history": history_for(robot, user=request.user)}
    if request.htmx and request.htmx.target == "results":
        return render(request, "office/wecom/partials/robot_messages.html", context)
    return render(request, "office/wecom/robot_detail.html", context)


def _robot_form_page(request, robot=None):
    company = _company(request)
    form = WeComRobotForm(request.POST or None, instance=robot or WeComRobot(company=company), company=company)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.robot_save(company=company, actor=request.user, robot=robot, **form.cleaned_data)
        except WRITE_ERRORS as exc:
            show_error(exc, form, errors)
        else:
            messages.success(request, _("Robot “%(name)s” saved.") % {"name": saved.name})
            return redirect("office:wecom_robot_detail", pk=saved.pk)
    return render(request, "office/wecom/robot_form.html", {"form": form, "errors": errors, "robot": robot})


@permission_required("office.add_wecomrobot")
def robot_create(request):
    return _robot_form_page(request)


@permission_required("office.change_wecomrobot")
def robot_edit(request, pk):
    return _robot_form_page(request, _robot(request, pk, CHANGE))


def _switch(request, pk, service, text):
    robot = service(robot=_robot(request, pk, CHANGE), actor=request.user)
    messages.success(request, text % {"name": robot.name})
    return redirect("office:wecom_robot_detail", pk=pk)


@permission_required("office.change_wecomrobot")
@require_POST
def robot_disable(request, pk):
    return _switch(request, pk, services.robot_disable, _("Robot “%(name)s” disabled."))


@permission_required("office.change_wecomrobot")
@require_POST
def robot_enable(request, pk):
    return _switch(request, pk, services.robot_enable, _("Robot “%(name)s” enabled: what waits in its queue goes now."))


@permission_required("office.change_wecomrobot")
@require_POST
def robot_test(request, pk):
    robot = _robot(request, pk, CHANGE)
    try:
        result = services.robot_test_post(robot=robot, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("office:wecom_robot_detail", pk=pk)
    message = result.message
    if message.status == "sent":
        messages.success(request, _("Test message posted to the group."))
    elif message.status == "pending" and message.errcode is None:
        messages.info(request, result.explain)
    else:
        messages.error(request, _("WeCom did not take the test message (%(errcode)s): %(explanation)s") % {
            "errcode": message.errcode, "explanation": result.explain})
    return redirect("office:wecom_robot_detail", pk=pk)
