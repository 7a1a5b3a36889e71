"""The header shows only the modules a user may open; a refused action is a message, not a 500."""

from office.services import task_assign, task_close


def test_a_user_without_office_permissions_sees_no_inbox_in_the_menu(client, make_user):
    client.force_login(make_user("nobody"))

    page = client.get("/").content.decode()

    assert 'href="/office/"' not in page
    assert "inbox-badge" not in page


def test_a_user_with_a_role_sees_the_inbox_and_its_badge(client, make_user):
    client.force_login(make_user("seller", "Sales"))

    page = client.get("/").content.decode()

    assert 'href="/office/"' in page
    assert 'hx-get="/office/inbox/badge/"' in page


def test_staff_see_the_administration_link(client, make_user):
    client.force_login(make_user("root", "System admin", is_staff=True))

    assert 'href="/admin/"' in client.get("/").content.decode()


def test_an_illegal_state_change_in_the_ui_comes_back_as_a_translated_message(client, company, make_user):
    keeper = make_user("keeper", "Warehouse")
    task = task_assign(company=company, title="Once", user=keeper)
    task_close(task=task, actor=keeper)
    client.force_login(keeper)

    response = client.post(f"/office/tasks/{task.pk}/close/", {"status": "done"}, follow=True)

    assert response.status_code == 200
    assert "此任務已結案" in response.content.decode() or "已結案" in response.content.decode()


def test_an_htmx_request_refused_by_a_rule_gets_a_redirect_header_not_an_error(client, company, make_user):
    keeper = make_user("keeper", "Warehouse")
    task = task_assign(company=company, title="Once", user=keeper)
    task_close(task=task, actor=keeper)
    client.force_login(keeper)

    response = client.post(
        f"/office/tasks/{task.pk}/close/", {"status": "done"}, HTTP_HX_REQUEST="true",
        HTTP_REFERER=f"http://testserver/office/tasks/{task.pk}/",
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"http://testserver/office/tasks/{task.pk}/"
