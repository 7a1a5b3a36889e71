"""Master-data codes: trimmed, upper-case, validated, unique per company; admin covers every model."""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from erp.codes import code_validator, normalise_code
from erp.models import Department
from tests.factories import CompanyFactory


def test_codes_are_trimmed_and_upper_cased_on_save(company):
    department = Department.objects.create(company=company, code="  qa-01 ", name="品保")

    assert department.code == "QA-01"
    assert Department.objects.get(code="qa-01 ".strip().upper()).pk == department.pk


def test_a_code_is_unique_within_a_company_but_may_repeat_in_another(company):
    Department.objects.create(company=company, code="WH", name="倉儲部")

    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(company=company, code=" wh", name="重複")
    Department.objects.create(company=CompanyFactory(code="OTHER"), code="WH", name="倉儲部")

    assert Department.objects.filter(code="WH").count() == 2


def test_full_clean_reports_a_duplicate_and_a_bad_code_beside_the_field(company):
    Department.objects.create(company=company, code="WH", name="倉儲部")

    with pytest.raises(ValidationError) as duplicate:
        Department(company=company, code="wh", name="x").full_clean()
    with pytest.raises(ValidationError) as bad:
        Department(company=company, code="倉#1", name="x").full_clean()

    assert "__all__" in duplicate.value.message_dict or "code" in duplicate.value.message_dict
    assert "code" in bad.value.message_dict


@given(st.text(alphabet="abcxyzABC019._/- \t", min_size=1, max_size=30))
def test_normalising_is_idempotent_and_never_leaves_spaces_or_lower_case(raw):
    once = normalise_code(raw)

    assert normalise_code(once) == once
    assert once == once.upper()
    assert not any(ch.isspace() for ch in once)


@given(st.from_regex(r"[A-Z0-9][A-Z0-9._/-]{0,20}", fullmatch=True))
def test_every_normalised_code_in_the_alphabet_is_valid(code):
    code_validator(normalise_code(f" {code.lower()} "))


def test_every_model_of_the_core_and_the_departments_is_in_django_admin():
    models = [
        model
        for label in ["erp", *settings.DEPARTMENT_APPS]
        for model in apps.get_app_config(label).get_models()
    ]

    assert [m._meta.label for m in models if not admin.site.is_registered(m)] == []


def test_the_admin_lists_have_filters_and_search():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ["erp", *settings.DEPARTMENT_APPS] and model._meta.model_name != "user":
            assert model_admin.search_fields, model._meta.label
            assert model_admin.list_filter, model._meta.label
