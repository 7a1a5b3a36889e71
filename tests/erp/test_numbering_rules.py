"""A numbering rule's format is checked when the rule is saved, not at the first confirmation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from erp.models import NumberingRule
from erp.number_formats import NUMBER_MAX_LENGTH, number_format_errors
from erp.numbering import take_number
from tests.factories import UserFactory

UNKNOWN = "Unknown placeholder {%s}: use {prefix}, {year} and {seq}."
BAD_SPEC = ("“%s” is not a valid format for {%s}; {seq:06d}, for example, writes the running number with "
            "six digits.")
NO_SEQ = "The format must contain {seq}, the running number."
NO_YEAR = "A series that restarts each fiscal year needs {year} in its format, or its numbers would repeat."
SYNTAX = "Braces must enclose a placeholder ({prefix}, {year} or {seq}); write {{ or }} for a brace in the text."


def messages(fmt, *, prefix="SO", yearly_reset=True):
    with translation.override("en"):
        return [str(message) for error in number_format_errors(fmt, prefix=prefix, yearly_reset=yearly_reset)
                for message in error.messages]


@pytest.mark.parametrize(
    ("fmt", "yearly_reset", "expected"),
    [
        ("{prefx}-{year}-{seq}", True, [UNKNOWN % "prefx"]),
        ("{prefix}-{year}-{seq:06q}", True, [BAD_SPEC % ("06q", "seq")]),
        ("{prefix}-{year:%Y}-{seq}", True, [BAD_SPEC % ("%Y", "year")]),
        ("{prefix:d}-{year}-{seq}", True, [BAD_SPEC % ("d", "prefix")]),
        ("{prefix}-{year}-{seq:.2e}", True, [BAD_SPEC % (".2e", "seq")]),  # would round numbers together
        ("{prefix}-{year}-{seq:c}", True, [BAD_SPEC % ("c", "seq")]),
        ("{prefix}-{year}-{seq!r}", True, [UNKNOWN % "seq!r"]),
        ("{prefix}-{year}-{seq.real}", True, [UNKNOWN % "seq.real"]),
        ("{prefix}-{year}-{}", True, [UNKNOWN % "", NO_SEQ]),
        ("{prefix}-{year}", True, [NO_SEQ]),
        ("{prefix}-{seq:06d}", True, [NO_YEAR]),
        ("{prefix}-{year}-{seq", True, [SYNTAX]),
        ("{prefix}-{year}}-{seq}", True, [SYNTAX]),
        ("", True, [NO_SEQ, NO_YEAR]),
    ],
)
def test_a_format_that_cannot_number_a_document_is_explained(fmt, yearly_reset, expected):
    assert messages(fmt, yearly_reset=yearly_reset) == expected


@pytest.mark.parametrize(
    ("fmt", "yearly_reset", "example"),
    [
        ("{prefix}-{year}-{seq:06d}", True, "SO-2026-000042"),
        ("{prefix}{year}{seq:05d}", True, "SO202600042"),
        ("{{{prefix}}}/{year:04d}/{seq:>8,}", True, "{SO}/2026/      42"),
        ("{prefix:*<5}{seq:X}", False, "SO***2A"),
        ("{prefix}-{seq:06d}", False, "SO-000042"),
    ],
)
def test_a_good_format_is_accepted_and_writes_numbers(fmt, yearly_reset, example):
    assert messages(fmt, yearly_reset=yearly_reset) == []
    assert fmt.format(prefix="SO", year=2026, seq=42) == example


def test_numbers_that_could_outgrow_the_number_column_are_refused():
    fits = "{prefix}-{year}-{seq:0" + str(NUMBER_MAX_LENGTH - len("ABCDEFGHIJ-2026-")) + "d}"
    too_long = "{prefix}-{year}-{seq:0" + str(NUMBER_MAX_LENGTH - len("ABCDEFGHIJ-2026-") + 1) + "d}"

    assert messages(fits, prefix="ABCDEFGHIJ") == []
    assert messages(too_long, prefix="ABCDEFGHIJ") == [
        "Numbers in this format can be 41 characters long (e.g. ABCDEFGHIJ-9999-0000000000000000999999999); "
        "a document number holds at most 40."
    ]
    # The running number is assumed to reach nine digits, whatever the padding.
    assert messages("{prefix}-{year}-Nr. {seq} of the sales department", prefix="ABCDEFGHIJ") == [
        "Numbers in this format can be 53 characters long (e.g. ABCDEFGHIJ-9999-Nr. 999999999 of the sales "
        "department); a document number holds at most 40."
    ]


def test_the_model_refuses_a_bad_format_on_the_field_in_clean_and_in_save(company):
    rule = NumberingRule(company=company, doc_type="SO", prefix="SO", format="{prefx}-{year}-{seq}")

    with translation.override("en"), pytest.raises(ValidationError) as in_clean:
        rule.full_clean()
    with translation.override("en"), pytest.raises(ValidationError) as in_save:
        rule.save()

    with translation.override("en"):  # the messages are lazy: read them in English
        assert in_clean.value.message_dict == {"format": [UNKNOWN % "prefx"]}
        assert in_save.value.message_dict == {"format": [UNKNOWN % "prefx"]}
    assert NumberingRule.objects.count() == 0


def test_code_that_changes_a_rule_cannot_store_a_bad_format(company):
    rule = NumberingRule.objects.create(company=company, doc_type="SO", prefix="SO")
    rule.format = "{prefix}-{year}-{seq:06q}"

    with pytest.raises(ValidationError), transaction.atomic():
        rule.save()
    with pytest.raises(ValidationError), transaction.atomic():
        NumberingRule.objects.update_or_create(company=company, doc_type="SO", defaults={"format": "{prefix}"})

    assert NumberingRule.objects.get().format == "{prefix}-{year}-{seq:06d}"


def test_a_longer_prefix_is_checked_against_the_format_too(company):
    rule = NumberingRule(company=company, doc_type="SO", prefix="ABCDEFGHIJ",
                         format="{prefix}-{year}-{seq:030d}")

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        rule.full_clean()

    assert list(refused.value.message_dict) == ["format"]
    with translation.override("en"):
        assert refused.value.message_dict["format"][0].startswith("Numbers in this format can be 46 characters long")


def test_the_admin_shows_the_error_next_to_the_format_and_saves_nothing(client, company):
    rule = NumberingRule.objects.create(company=company, doc_type="SO", prefix="SO", format="{prefix}{year}{seq:05d}")
    admin = UserFactory(username="root", company=company, is_staff=True, is_superuser=True, language="en")
    client.force_login(admin)
    form = {"company": company.pk, "doc_type": "SO", "prefix": "OR", "format": "{prefx}-{year}-{seq:06d}",
            "yearly_reset": "on"}

    response = client.post(f"/admin/erp/numberingrule/{rule.pk}/change/", form)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"format": [UNKNOWN % "prefx"]}
    assert UNKNOWN % "prefx" in response.content.decode()
    rule.refresh_from_db()
    assert (rule.prefix, rule.format) == ("SO", "{prefix}{year}{seq:05d}")

    added = client.post("/admin/erp/numberingrule/add/", {**form, "doc_type": "DN", "format": "{prefix}-{year}"})

    assert added.context["adminform"].form.errors == {"format": [NO_SEQ]}
    assert NumberingRule.objects.count() == 1


def test_the_admin_saves_a_good_format_which_then_numbers_documents(client, company):
    admin = UserFactory(username="root", company=company, is_staff=True, is_superuser=True, language="en")
    client.force_login(admin)

    response = client.post("/admin/erp/numberingrule/add/", {
        "company": company.pk, "doc_type": "SO", "prefix": "OR", "format": "{prefix}{year}-{seq:04d}",
        "yearly_reset": "on",
    })

    assert response.status_code == 302
    with transaction.atomic():
        assert take_number(company=company, doc_type="SO", on_date=datetime.date(2026, 3, 1)) == "OR2026-0001"
