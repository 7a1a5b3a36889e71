"""Each process keeps users' permission sets with the permission version they were read at
(migration erp 0005, erp.permissions.ModelBackend); any change moves the version, so the next
request sees it, whoever made the change and however."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from erp.models import User
from erp.permissions import permission_version
from tests.factories import api_token_for

VIEW_TASK = "office.view_task"


def fresh(user):
    """The user as the next request loads it: nothing cached on the object itself."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def clerk(make_user):
    return make_user("clerk")  # no role


def test_adding_a_user_to_a_group_is_seen_on_the_next_request(clerk):
    assert not fresh(clerk).has_perm(VIEW_TASK)  # the empty set is now kept by this process

    clerk.groups.add(Group.objects.get(name="Warehouse"))

    assert fresh(clerk).has_perm(VIEW_TASK)


def test_a_group_losing_a_permission_by_raw_sql_is_seen_on_the_next_request(make_user):
    keeper = make_user("keeper", "Warehouse")
    assert fresh(keeper).has_perm(VIEW_TASK)
    before = permission_version()

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM auth_group_permissions WHERE permission_id = %s",
                       [Permission.objects.get(codename="view_task").pk])

    assert permission_version() != before
    assert not fresh(keeper).has_perm(VIEW_TASK)


def test_a_direct_permission_and_its_removal_are_seen(clerk):
    permission = Permission.objects.get(codename="view_task")
    assert not fresh(clerk).has_perm(VIEW_TASK)

    clerk.user_permissions.add(permission)
    assert fresh(clerk).has_perm(VIEW_TASK)

    clerk.user_permissions.remove(permission)
    assert not fresh(clerk).has_perm(VIEW_TASK)


def test_a_rolled_back_change_never_leaves_its_version_behind(clerk):
    """The version comes from a sequence: after a rollback the next change gets a new number, so a
    set read inside the rolled-back transaction can never pass for a committed one."""
    from django.db import transaction

    group = Group.objects.get(name="Warehouse")
    try:
        with transaction.atomic():
            clerk.groups.add(group)
            inside = permission_version()
            assert fresh(clerk).has_perm(VIEW_TASK)  # kept with the version seen inside
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    Group.objects.create(name="Another change")  # moves the version again

    assert permission_version() != inside
    assert not fresh(clerk).has_perm(VIEW_TASK)


def test_a_token_request_reads_the_permissions_only_when_they_may_have_changed(make_user):
    keeper = make_user("keeper", "Warehouse")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(keeper)}")
    api.get("/api/office/tasks/")

    with CaptureQueriesContext(connection) as again:
        assert api.get("/api/office/tasks/").status_code == 200
    keeper.groups.clear()
    with CaptureQueriesContext(connection) as after_change:
        assert api.get("/api/office/tasks/").status_code == 403

    assert not any("auth_permission" in q["sql"] for q in again.captured_queries)
    assert any("auth_permission" in q["sql"] for q in after_change.captured_queries)
