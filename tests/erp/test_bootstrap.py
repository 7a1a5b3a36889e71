"""`make run`'s bootstrap (migrate + roles + demo company) is idempotent."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from erp import roles
from erp.demo import DEMO_USERS


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for label in ("erp", "office", "auth")
        for model in apps.get_app_config(label).get_models()
    }


# One test: loading the whole demo company takes seconds, so the users are checked on the first load.
def test_bootstrap_twice_adds_nothing_the_second_time_and_the_demo_users_log_in(db, settings, client):
    settings.DEMO_PASSWORD = "demo-pass-1"
    call_command("migrate", verbosity=0)
    call_command("bootstrap", "--demo", verbosity=0)
    first = row_counts()

    User = get_user_model()
    for username, (role, *_rest) in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password("demo-pass-1")
    assert User.objects.get(username="admin").is_superuser

    call_command("migrate", verbosity=0)
    call_command("bootstrap", "--demo", verbosity=0)

    assert row_counts() == first
    assert first["erp.User"] == 13  # the eleven of erp.demo, and purchasing2 and purchmgr of purchasing.demo
    assert first["erp.Department"] == 10
    assert first["erp.Company"] == 1
    assert client.login(username="sales", password="demo-pass-1")


def test_without_demo_only_the_roles_are_created(db, settings):
    settings.DEMO = False
    call_command("bootstrap", verbosity=0)

    assert set(Group.objects.values_list("name", flat=True)) == set(roles.ROLES)
    assert get_user_model().objects.count() == 0


def test_roles_hold_their_departments_permissions(db):
    call_command("bootstrap", verbosity=0)

    def perms(role):
        return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}

    assert {"office.view_task", "office.add_task", "office.change_task"} <= perms(roles.SALES)
    assert "office.delete_task" not in perms(roles.SALES)
    assert "office.delete_task" in perms(roles.OFFICE)
    assert "erp.view_company" in perms(roles.MANAGER)
    assert "erp.change_company" not in perms(roles.MANAGER)
    assert "erp.change_eventdelivery" in perms(roles.SYSTEM_ADMIN)
