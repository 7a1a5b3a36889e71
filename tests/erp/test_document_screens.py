"""The core's document screens (erp.document_screens) on the sample app's test-only kind SAMPLES
(tests/sampleapp/screens.py): list with filters, export and the htmx results part, detail with actions,
panels and history, create and edit with a line formset, print, actions; permissions (anonymous, no
permission, another company's document, the kind's guard) and the list's query count."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from erp import registry
from erp.models import AccessLog
from tests.conftest import warm_permissions
from tests.erp.test_url_walk import requirement
from tests.factories import CompanyFactory, UserFactory
from tests.sampleapp.models import SampleOrder, SampleOrderLine
from tests.sampleapp.screens import LOCKED, SAMPLES
from tests.sampleapp.services import REFUSED, sample_order_confirm, sample_order_save

D = Decimal
SCREENS = "tests.sampleapp.urls"
pytestmark = [pytest.mark.django_db, pytest.mark.urls(SCREENS)]


def granted(user, *actions):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="sampleapp",
                                                         codename__in=[f"{a}_sampleorder" for a in actions]))
    return user


@pytest.fixture
def clerk(company):
    """May see, add and change sample orders of their company."""
    return granted(UserFactory(username="clerk", company=company, language="en"), "view", "add", "change")


@pytest.fixture
def reader(company):
    return granted(UserFactory(username="reader", company=company, language="en"), "view")


def order(company, clerk, customer="Acme", lines=(("BOLT", "2"),), **fields):
    return sample_order_save(company=company, actor=clerk, customer=customer,
                             lines=[{"item": item, "quantity": D(quantity)} for item, quantity in lines], **fields)


def lines_data(lines, initial=0):
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": str(initial), "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000"}
    for index, (item, quantity) in enumerate(lines):
        data[f"lines-{index}-item"], data[f"lines-{index}-quantity"] = item, quantity
    return data


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)._queued_messages]


def listed(client, query=""):
    response = client.get(f"/sample/samples/?{query}")
    assert response.status_code == 200
    return [row.document.pk for row in response.context["rows"]]


# The URLs the kind declares ---------------------------------------------------------------------


def test_the_kind_gives_its_url_patterns_each_with_its_permission():
    patterns = {pattern.name: (str(pattern.pattern), requirement(pattern.callback)) for pattern in SAMPLES.urls()}

    assert patterns == {
        "sample_list": ("samples/", ("sampleapp.view_sampleorder",)),
        "sample_detail": ("samples/<int:pk>/", ("sampleapp.view_sampleorder",)),
        "sample_print": ("samples/<int:pk>/print/", ("sampleapp.view_sampleorder",)),
        "sample_create": ("samples/new/", ("sampleapp.add_sampleorder",)),
        "sample_edit": ("samples/<int:pk>/edit/", ("sampleapp.change_sampleorder",)),
        "sample_confirm": ("samples/<int:pk>/confirm/", ("sampleapp.change_sampleorder",)),
        "sample_cancel": ("samples/<int:pk>/cancel/", ("sampleapp.change_sampleorder",)),
    }


# List, filters, export ---------------------------------------------------------------------------


def test_the_list_filters_by_status_search_and_dates_and_shows_a_wrong_filters_error(company, clerk, client):
    january = order(company, clerk, customer="Alpha", document_date=datetime.date(2026, 1, 10))
    february = order(company, clerk, customer="Beta", document_date=datetime.date(2026, 2, 10))
    sample_order_confirm(order=january, actor=clerk)
    client.force_login(clerk)

    assert listed(client) == [february.pk, january.pk]
    assert listed(client, "status=confirmed") == [january.pk]
    assert listed(client, "q=bet") == [february.pk]
    assert listed(client, f"q={january.number}") == [january.pk]
    assert listed(client, "date_from=2026-02-01&date_to=2026-02-28") == [february.pk]
    assert listed(client, "status=draft&date_to=someday") == [february.pk]  # the wrong filter is left out
    response = client.get("/sample/samples/?date_from=2026-03-01&date_to=2026-02-01")
    assert response.context["filters"].errors == {"date_to": ["The end date is before the start date."]}
    html = response.content.decode()
    assert 'id="filters"' in html and 'id="document-list"' in html and "The end date is before the start date." in html


def test_the_list_shows_its_columns_links_and_status_badges(company, clerk, client):
    draft = order(company, clerk, customer="Alpha", lines=[("BOLT", "1"), ("NUT", "2")])
    client.force_login(clerk)

    response = client.get("/sample/samples/")

    html = response.content.decode()
    [row] = response.context["rows"]
    assert [header for header, _numeric in response.context["headers"]] == [
        "Number", "Date", "Customer", "Status", "Lines", "Created by"]
    assert row.url == f"/sample/samples/{draft.pk}/"
    assert f'<td><a href="/sample/samples/{draft.pk}/">{draft.reference}</a></td>' in html
    assert '<span class="badge text-bg-secondary" data-status="draft">Draft</span>' in html
    assert '<td class="num text-nowrap">2</td>' in html
    assert 'href="/sample/samples/new/"' in html  # the clerk may add


def test_an_htmx_filter_change_gets_only_the_results(company, clerk, client):
    order(company, clerk)
    client.force_login(clerk)

    response = client.get("/sample/samples/", {"status": "draft"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    html = response.content.decode()
    assert response.templates[0].name == "erp/documents/_results.html"
    assert 'id="document-list"' in html and 'id="filters"' not in html and "<html" not in html


def test_the_list_pages_by_25(company, clerk, client):
    for _ in range(26):
        order(company, clerk)
    client.force_login(clerk)

    assert len(listed(client)) == 25
    assert len(listed(client, "page=2")) == 1


def test_the_export_is_the_filtered_list_in_csv_and_xlsx_and_is_logged(company, clerk, client):
    confirmed = order(company, clerk, customer="Alpha", lines=[("BOLT", "1"), ("NUT", "2")],
                      document_date=datetime.date(2026, 1, 10))
    sample_order_confirm(order=confirmed, actor=clerk)
    order(company, clerk, customer="Beta")
    client.force_login(clerk)

    response = client.get("/sample/samples/?status=confirmed&export=csv")

    assert response["Content-Disposition"] == 'attachment; filename="sample_orders.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Number", "Date", "Customer", "Status", "Lines", "Created by"],
                    [confirmed.number, "2026-01-10", "Alpha", "Confirmed", "2", "clerk"]]
    response = client.get("/sample/samples/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[2] for row in sheet.iter_rows(values_only=True)] == ["Customer", "Beta", "Alpha"]
    assert AccessLog.objects.filter(kind="export").count() == 2


def test_the_list_runs_the_same_queries_for_3_or_30_rows(company, clerk, client):
    client.force_login(clerk)
    warm_permissions(clerk)
    for _ in range(3):
        order(company, clerk)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/sample/samples/").status_code == 200
    for _ in range(27):
        order(company, clerk, lines=[("BOLT", "1"), ("NUT", "1"), ("WASHER", "1")])

    with CaptureQueriesContext(connection) as many:
        response = client.get("/sample/samples/")

    assert len(response.context["rows"]) == 25
    assert len(many) == len(few)


# Detail, panels, history, print ----------------------------------------------------------------


def test_the_detail_shows_header_lines_actions_panels_and_history(company, clerk, client, monkeypatch):
    draft = order(company, clerk, customer="Alpha", lines=[("BOLT", "2.5"), ("NUT", "12")])
    panels = [registry.DocumentPanel("tests", 1, "erp/partials/header_rows.html", "sampleapp.view_sampleorder",
                                     lambda user, document: {"header_rows": [("Panel", f"about {document.customer}")]},
                                     ("sampleapp.sampleorder",)),
              registry.DocumentPanel("tests", 2, "erp/partials/header_rows.html", "sampleapp.view_sampleorder",
                                     lambda user, document: None)]
    monkeypatch.setattr(registry, "DOCUMENT_PANELS", panels)
    client.force_login(clerk)

    response = client.get(f"/sample/samples/{draft.pk}/")

    html = response.content.decode()
    assert f'<span id="document-number">{draft.reference}</span>' in html
    assert response.context["header_rows"] == [("Customer", "Alpha"), ("Date", draft.document_date.isoformat())]
    assert [[(cell.value, cell.unit) for cell in cells] for _line, cells in response.context["rows"]] == [
        [("BOLT", ""), (D("2.5000"), "PCS")], [("NUT", ""), (D("12.0000"), "PCS")]]
    assert '<td class="num text-nowrap">2.5 PCS</td>' in html  # a unit given by its code: the digits it needs
    assert [(a.label, a.url, a.link) for a in response.context["actions"]] == [
        ("Edit", f"/sample/samples/{draft.pk}/edit/", True), ("Confirm", f"/sample/samples/{draft.pk}/confirm/", False),
        ("Cancel", f"/sample/samples/{draft.pk}/cancel/", False)]
    assert 'data-confirm="Confirm this order?"' in html
    assert "about Alpha" in html  # the panel that has something to show; the other one is left out
    assert [p.template for p in response.context["panels"]] == ["erp/partials/header_rows.html"]
    assert response.context["history"][0]["entry"].action == 0  # created
    assert f'href="/sample/samples/{draft.pk}/print/"' in html


def test_actions_follow_the_status_and_the_permission(company, clerk, reader, client):
    confirmed = order(company, clerk)
    sample_order_confirm(order=confirmed, actor=clerk)

    client.force_login(clerk)
    assert [a.label for a in client.get(f"/sample/samples/{confirmed.pk}/").context["actions"]] == ["Cancel"]
    client.force_login(reader)
    assert client.get(f"/sample/samples/{confirmed.pk}/").context["actions"] == []


def test_the_print_page_has_the_company_number_lines_and_signature_boxes(company, clerk, client):
    confirmed = order(company, clerk, lines=[("BOLT", "3")])
    sample_order_confirm(order=confirmed, actor=clerk)
    client.force_login(clerk)

    response = client.get(f"/sample/samples/{confirmed.pk}/print/")
    html = response.content.decode()

    assert f'<div class="number" id="document-number">{confirmed.number}</div>' in html
    # its style element carries the Content-Security-Policy's nonce, the Print button no handler
    nonce = response["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<style nonce="{nonce}">' in html and "<button type=\"button\" data-print>" in html
    assert company.name in html and "@media print" in html and "navbar" not in html
    assert '<td class="num">3 PCS</td>' in html
    assert html.count('class="signature"') == 3


# Create and edit ---------------------------------------------------------------------------------


def test_a_draft_is_created_with_its_lines(company, clerk, client):
    client.force_login(clerk)

    response = client.post("/sample/samples/new/", {"customer": "Alpha", "document_date": "2026-03-02",
                                                    **lines_data([("BOLT", "2"), ("", "")])})

    created = SampleOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sample/samples/{created.pk}/"
    assert messages_of(response) == [f"{created.reference} saved."]
    assert (created.customer, created.document_date, created.created_by) == ("Alpha", datetime.date(2026, 3, 2), clerk)
    assert list(created.lines.values_list("item", "quantity")) == [("BOLT", D("2.0000"))]


def test_a_field_error_is_shown_beside_the_field_and_nothing_is_saved(company, clerk, client):
    client.force_login(clerk)

    response = client.post("/sample/samples/new/", {"customer": "Alpha", **lines_data([("BOLT", "-1")])})

    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors == {
        "quantity": ["Ensure this value is greater than or equal to 0."]}
    assert not SampleOrder.objects.exists()


def test_a_service_refusal_naming_a_field_is_shown_beside_it(company, clerk, client):
    client.force_login(clerk)

    response = client.post("/sample/samples/new/", {"customer": REFUSED, **lines_data([("BOLT", "1")])})

    assert response.status_code == 200
    assert response.context["form"].errors == {"customer": ["this customer is refused."]}
    assert not SampleOrder.objects.exists()


def test_a_service_refusal_after_the_header_was_written_leaves_nothing_half_saved(company, clerk, client):
    client.force_login(clerk)

    response = client.post("/sample/samples/new/", {"customer": "Alpha",
                                                    **lines_data([("BOLT", "1"), (REFUSED, "1")])})

    assert response.status_code == 200
    assert response.context["errors"] == [f"Line 2: {REFUSED} cannot be ordered."]
    assert 'id="line-errors"' in response.content.decode()
    assert not SampleOrder.objects.exists() and not SampleOrderLine.objects.exists()


def test_add_line_shows_one_more_row_and_saves_nothing(company, clerk, client):
    client.force_login(clerk)

    response = client.post("/sample/samples/new/", {"customer": "Alpha", "add_line": "1",
                                                    **lines_data([("BOLT", "1")])})

    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 2
    assert not SampleOrder.objects.exists()


def test_a_draft_is_edited_and_a_confirmed_one_is_not(company, clerk, client):
    draft = order(company, clerk, customer="Alpha", lines=[("BOLT", "2")])
    client.force_login(clerk)
    form = client.get(f"/sample/samples/{draft.pk}/edit/")
    assert form.context["form"].initial["customer"] == "Alpha"
    assert form.context["formset"].initial == [{"item": "BOLT", "quantity": D("2.0000")}]

    response = client.post(f"/sample/samples/{draft.pk}/edit/", {"customer": "Beta",
                                                                 **lines_data([("NUT", "5")], initial=1)})

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.customer == "Beta"
    assert list(draft.lines.values_list("item", "quantity")) == [("NUT", D("5.0000"))]

    sample_order_confirm(order=draft, actor=clerk)
    response = client.get(f"/sample/samples/{draft.pk}/edit/")

    assert response["Location"] == f"/sample/samples/{draft.pk}/"
    assert messages_of(response) == ["This document is no longer a draft: void or reverse it instead of editing it."]


# Actions -----------------------------------------------------------------------------------------


def test_an_action_calls_its_service_and_says_so(company, clerk, client):
    draft = order(company, clerk)
    client.force_login(clerk)

    response = client.post(f"/sample/samples/{draft.pk}/confirm/")

    draft.refresh_from_db()
    assert response["Location"] == f"/sample/samples/{draft.pk}/"
    assert draft.status == "confirmed" and draft.number
    assert messages_of(response) == [f"{draft.number} confirmed."]
    response = client.post(f"/sample/samples/{draft.pk}/cancel/")
    assert messages_of(response) == [f"{draft.number} cancelled."]  # "%(order)s": the services' keyword


def test_a_refused_action_is_a_message_not_an_error(company, clerk, client):
    confirmed = order(company, clerk)
    sample_order_confirm(order=confirmed, actor=clerk)
    client.force_login(clerk)

    response = client.post(f"/sample/samples/{confirmed.pk}/confirm/")

    assert response.status_code == 302
    assert messages_of(response) == [f"{confirmed.number} cannot go from “Confirmed” to “Confirmed”."]
    page = client.get(response["Location"])
    assert f"{confirmed.number} cannot go from" in page.content.decode()


def test_an_action_answers_only_post(company, clerk, client):
    draft = order(company, clerk)
    client.force_login(clerk)

    assert client.get(f"/sample/samples/{draft.pk}/confirm/").status_code == 405
    assert SampleOrder.objects.get(pk=draft.pk).status == "draft"


# Permissions -------------------------------------------------------------------------------------


def urls_of(document):
    return [("get", "/sample/samples/"), ("get", "/sample/samples/new/"), ("get", f"/sample/samples/{document.pk}/"),
            ("get", f"/sample/samples/{document.pk}/edit/"), ("get", f"/sample/samples/{document.pk}/print/"),
            ("post", f"/sample/samples/{document.pk}/confirm/"), ("post", f"/sample/samples/{document.pk}/cancel/")]


def test_anonymous_users_are_sent_to_log_in(company, clerk, client):
    draft = order(company, clerk)

    for method, url in urls_of(draft):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_without_the_permission_every_screen_is_a_403(company, clerk, client):
    draft = order(company, clerk)
    client.force_login(UserFactory(username="nobody", company=company, language="en"))

    for method, url in urls_of(draft):
        assert getattr(client, method)(url).status_code == 403, url


def test_reading_is_not_enough_to_add_edit_or_act(company, clerk, reader, client):
    draft = order(company, clerk)
    client.force_login(reader)

    assert client.get(f"/sample/samples/{draft.pk}/").status_code == 200
    assert client.get("/sample/samples/new/").status_code == 403
    assert client.get(f"/sample/samples/{draft.pk}/edit/").status_code == 403
    assert client.post(f"/sample/samples/{draft.pk}/confirm/").status_code == 403
    assert SampleOrder.objects.get(pk=draft.pk).status == "draft"


def test_another_companys_document_is_a_404_everywhere(company, clerk, client):
    other = CompanyFactory(code="OTHER")
    theirs = order(other, clerk)
    client.force_login(clerk)

    assert listed(client) == []
    for method, url in urls_of(theirs)[2:]:
        assert getattr(client, method)(url).status_code == 404, url
    assert SampleOrder.objects.get(pk=theirs.pk).status == "draft"


def test_the_kinds_guard_refuses_changes_with_a_403_and_offers_no_buttons(company, clerk, client):
    locked = order(company, clerk, customer=LOCKED)
    client.force_login(clerk)

    assert client.get(f"/sample/samples/{locked.pk}/").context["actions"] == []
    assert client.get(f"/sample/samples/{locked.pk}/edit/").status_code == 403
    assert client.post(f"/sample/samples/{locked.pk}/confirm/").status_code == 403
    assert SampleOrder.objects.get(pk=locked.pk).status == "draft"
