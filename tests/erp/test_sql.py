"""erp.sql: each hand-written statement gives what its ORM formulation gives (docs/architecture.md,
"Hand-written SQL")."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as hs
from hypothesis.extra.django import TestCase as HypothesisTestCase

from erp import sql
from erp.models import ApiToken, Company, EventDelivery, NumberingRule, NumberSequence, OutboxEvent
from erp.scoping import granted
from erp.services import token_digest
from tests.factories import UserFactory, api_token_for

# Text PostgreSQL can store: no NUL, no lone surrogates (not encodable as UTF-8).
NAMES = hs.text(hs.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1, max_size=20)


class BulkSetParity(HypothesisTestCase):
    @settings(max_examples=15, deadline=None)
    @given(hs.dictionaries(hs.integers(0, 4), hs.tuples(NAMES, hs.integers(1, 12)), max_size=5))
    def test_bulk_set_does_what_bulk_update_does(self, changes):
        # bulk_create: rows only, without the seeds a new company gets (roles, numbering, rules: seconds)
        companies = Company.objects.bulk_create([Company(code=f"P{n}", name=f"parity {n}") for n in range(5)])
        pks = {n: company.pk for n, company in enumerate(companies)}
        with transaction.atomic():
            sql.bulk_set(Company, ["name", "fiscal_year_start_month"],
                         {pks[n]: values for n, values in changes.items()})
            raw = list(Company.objects.filter(pk__in=pks.values()).order_by("pk")
                       .values_list("name", "fiscal_year_start_month"))
            transaction.set_rollback(True)
        for n, (name, month) in changes.items():
            companies[n].name, companies[n].fiscal_year_start_month = name, month
        Company.objects.bulk_update(companies, ["name", "fiscal_year_start_month"])
        orm = list(Company.objects.filter(pk__in=pks.values()).order_by("pk")
                   .values_list("name", "fiscal_year_start_month"))
        assert raw == orm


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "confirmed"])
def test_update_row_if_does_what_a_filtered_update_does(status):
    company = Company.objects.create(code="URI", name="甲")
    with transaction.atomic():
        raw = sql.update_row_if(Company, company.pk, where={"name": "甲" if status == "draft" else "乙"},
                                values={"name": "丙", "fiscal_year_start_month": 7})
        raw_row = Company.objects.values_list("name", "fiscal_year_start_month").get(pk=company.pk)
        transaction.set_rollback(True)
    orm = Company.objects.filter(pk=company.pk, name="甲" if status == "draft" else "乙").update(
        name="丙", fiscal_year_start_month=7)
    assert (raw, raw_row) == (orm, Company.objects.values_list("name", "fiscal_year_start_month").get(pk=company.pk))


@pytest.mark.django_db
def test_select_list_and_instances_of_give_the_orm_instances():
    company = Company.objects.create(code="SLI", name="乙")
    user = UserFactory(company=company)
    (row,) = sql.fetch(f"SELECT {sql.select_list((type(user), 'u'), (Company, 'c'))} FROM erp_user u "
                       "LEFT JOIN erp_company c ON c.id = u.company_id WHERE u.id = %s", [user.pk])
    raw_user, raw_company = sql.instances_of(row, type(user), Company)
    orm_user = type(user).objects.select_related("company").get(pk=user.pk)
    fields = [f.attname for f in type(user)._meta.concrete_fields]
    assert [getattr(raw_user, f) for f in fields] == [getattr(orm_user, f) for f in fields]
    assert raw_company == orm_user.company and raw_company.name == "乙"
    assert not raw_user._state.adding


@pytest.mark.django_db
def test_token_with_user_is_the_orm_token_with_its_user_and_company():
    company = Company.objects.create(code="TOK", name="丁")
    user = UserFactory(company=company)
    digest = token_digest(api_token_for(user))
    got, version = sql.token_with_user(digest)
    orm = ApiToken.objects.select_related("user__company").get(key_digest=digest)
    fields = [f.attname for f in ApiToken._meta.concrete_fields]
    assert [getattr(got, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert (got.user.pk, got.user.username, got.user.company.code) == (
        orm.user.pk, orm.user.username, orm.user.company.code)
    assert version == sql.permission_version()
    assert sql.token_with_user(token_digest("nope")) is None


@pytest.mark.django_db
def test_permission_version_moves_when_permissions_change():
    before = sql.permission_version()
    user = UserFactory()
    user.user_permissions.add(Permission.objects.first())
    assert sql.permission_version() > before


@pytest.mark.django_db
def test_first_column_is_the_values_list():
    users = [UserFactory() for _ in range(3)]
    ids = type(users[0]).objects.filter(pk__in=[u.pk for u in users]).order_by("pk").values_list("pk", flat=True)
    assert sql.first_column(ids) == list(ids)
    grant = granted(users[0], "sales.view_customer", "sales.customer")
    assert sql.first_column(grant) == list(grant)


@pytest.mark.django_db
def test_number_take_counts_as_the_orm_would():
    company = Company.objects.create(code="NUM", name="戊")
    NumberingRule.objects.create(company=company, doc_type="ZZ", prefix="Z", format="{prefix}-{seq:04d}",
                                 yearly_reset=False)
    with transaction.atomic():
        taken = [sql.number_take(company=company, doc_type=t, year=2026) for t in ("ZZ", "ZZ", "YY")]
    assert [value for value, _f, _p in taken] == [1, 2, 1]
    assert taken[0][1:] == ("{prefix}-{seq:04d}", "Z") and taken[2][1:] == (None, None)
    # the ORM's reading of the same rows: a series without yearly reset counts in year 0
    assert sorted(NumberSequence.objects.filter(company=company).values_list("doc_type", "year", "last_value")) == [
        ("YY", 2026, 1), ("ZZ", 0, 2)]


@pytest.mark.django_db
def test_outbox_insert_writes_what_create_and_bulk_create_would():
    now = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
    with transaction.atomic():
        event_id, delivery_ids = sql.outbox_insert(name="t.event", payload={"n": 1}, company_id=None,
                                                   source_type_id=None, source_id=None, created_at=now,
                                                   pending=EventDelivery.Status.PENDING, subscribers=["b", "a"])
    event = OutboxEvent.objects.get(pk=event_id)
    assert (event.name, event.payload, event.created_at) == ("t.event", {"n": 1}, now)
    deliveries = list(EventDelivery.objects.filter(event=event).order_by("pk"))
    assert [d.pk for d in deliveries] == delivery_ids
    assert [(d.subscriber, d.status, d.attempts, d.next_attempt_at) for d in deliveries] == [
        ("b", "pending", 0, now), ("a", "pending", 0, now)]
