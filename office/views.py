from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from erp.history import history_for
from erp.permissions import permission_required, user_company
from office.forms import TaskCloseForm, TaskFilterForm, TaskForm
from office.models import Task
from office.panels import with_links
from office.selectors import inbox_count, inbox_for_user, task_get_for_user, task_list_for_user, user_can_close
from office.services import task_assign, task_close
from office.status import TaskStatus

PAGE_SIZE = 25


@permission_required("office.view_task")
def inbox(request):
    """The user's tasks; the list part refreshes itself every few seconds (htmx polling)."""
    filters = TaskFilterForm(request.GET or None)
    status = filters.status_value() if filters.is_valid() else TaskStatus.OPEN
    search = filters.cleaned_data.get("q", "") if filters.is_valid() else ""
    if status == TaskStatus.OPEN and not search:
        tasks = inbox_for_user(request.user)
    else:
        tasks = task_list_for_user(request.user, status=status, search=search)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    with_links(request.user, page.object_list)
    context = {"page": page, "filters": filters, "querystring": request.GET.urlencode()}
    if request.htmx and request.htmx.target == "task-list":
        return render(request, "office/partials/task_list.html", context)
    return render(request, "office/inbox.html", context)


@permission_required("office.view_task")
def inbox_badge(request):
    """The header's count of open tasks, polled by htmx."""
    return render(request, "office/partials/inbox_badge.html", {"inbox_count": inbox_count(request.user)})


def _get_task(request, pk):
    try:
        return task_get_for_user(request.user, pk)
    except Task.DoesNotExist:
        raise Http404 from None


@permission_required("office.view_task")
def task_detail(request, pk):
    task = _get_task(request, pk)
    with_links(request.user, [task])
    return render(
        request,
        "office/task_detail.html",
        {
            "task": task,
            "close_form": TaskCloseForm(),
            "can_close": task.is_open and user_can_close(request.user, task),
            "history": history_for(task, user=request.user),
        },
    )


@permission_required("office.add_task")
def task_create(request):
    company = user_company(request.user)
    form = TaskForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        task = task_assign(
            company=company,
            title=data["title"],
            description=data["description"],
            user=data["assignee_user"],
            role=data["assignee_role"],
            department=data["assignee_department"],
            priority=data["priority"],
            due_date=data["due_date"],
            actor=request.user,
        )
        messages.success(request, _("Task “%(title)s” assigned.") % {"title": task.display_title})
        return redirect("office:task_detail", pk=task.pk)
    return render(request, "office/task_form.html", {"form": form})


@permission_required("office.change_task")
@require_POST
def task_close_view(request, pk):
    task = _get_task(request, pk)
    form = TaskCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the task is done or cancelled."))
        return redirect("office:task_detail", pk=pk)
    task_close(task=task, actor=request.user, note=form.cleaned_data["note"], status=form.cleaned_data["status"])
    messages.success(request, _("Task closed."))
    return redirect("office:task_detail", pk=pk)
