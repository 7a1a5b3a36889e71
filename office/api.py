"""/api/office/: the task inbox over HTTP."""

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a non-numeric id is a 404, not a ValueError
from rest_framework.response import Response

from erp.api.fields import CodeRelatedField, UserField
from erp.models import Department
from erp.permissions import user_company
from office.models import Task
from office.selectors import inbox_for_user, task_list_for_user
from office.services import task_assign, task_close
from office.status import TaskStatus


class TaskSerializer(serializers.ModelSerializer):
    # Looked up in the user's company only: another company's colleague or department is "does not
    # exist", as a missing one, so the answer tells nothing about other companies.
    assignee_user = UserField(required=False, allow_null=True)
    assignee_role = serializers.SlugRelatedField(
        slug_field="name", queryset=Group.objects.all(), required=False, allow_null=True
    )
    assignee_department = CodeRelatedField(queryset=Department.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id", "title", "description", "assignee_user", "assignee_role", "assignee_department",
            "document_reference", "close_on_status", "status", "priority", "due_date", "created_at",
            "closed_at", "close_note",
        ]
        read_only_fields = ["document_reference", "close_on_status", "status", "created_at", "closed_at",
                            "close_note"]

    def to_representation(self, instance):
        """``title`` and ``description`` as the reader reads them: a department's task (a stored
        message) in the request's language; a task typed by a person as it was typed."""
        data = super().to_representation(instance)
        data["title"] = instance.display_title
        data["description"] = instance.display_description
        return data

    def validate(self, attrs):
        chosen = [f for f in ("assignee_user", "assignee_role", "assignee_department") if attrs.get(f)]
        if len(chosen) != 1:
            raise serializers.ValidationError(
                {"assignee_user": [_("Choose exactly one: a colleague, a role or a department.")]}
            )
        return attrs


class TaskCloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=[TaskStatus.DONE, TaskStatus.CANCELLED], default=TaskStatus.DONE)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    """The inbox (``?status=open``, the default) or all visible tasks (``?status=all``)."""

    serializer_class = TaskSerializer
    queryset = Task.objects.none()  # for the permission class; real rows come from selectors

    def get_queryset(self):
        status = self.request.query_params.get("status", TaskStatus.OPEN)
        if self.action == "list" and status == TaskStatus.OPEN:
            return inbox_for_user(self.request.user)
        return task_list_for_user(self.request.user, status=None if status == "all" else status)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = task_assign(
            company=user_company(self.request.user),
            title=data["title"],
            description=data.get("description", ""),
            user=data.get("assignee_user"),
            role=data.get("assignee_role"),
            department=data.get("assignee_department"),
            priority=data.get("priority", "normal"),
            due_date=data.get("due_date"),
            actor=self.request.user,
        )

    @action(detail=True, methods=["post"], serializer_class=TaskCloseSerializer)
    def close(self, request, pk=None):
        task = get_object_or_404(task_list_for_user(request.user), pk=pk)
        serializer = TaskCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = task_close(task=task, actor=request.user, **serializer.validated_data)
        return Response(TaskSerializer(task).data)
