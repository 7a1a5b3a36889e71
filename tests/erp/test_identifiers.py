"""Tax ids checked by their own rules, and full-width input folded to half-width (issue 11)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from erp.codes import code_validator, normalise_code
from erp.identifiers import normalise_tax_id, taiwan_tax_id_valid, tax_id_error, uscc_valid


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("number", ["04595257", "22099131", "12345675", "53212539",
                                    "10458575", "10458574"])  # 7th digit 7: 28 -> 10, counted as 1 or 0
def test_valid_taiwan_tax_ids(number):
    assert taiwan_tax_id_valid(number)
    assert tax_id_error(number) is None


@pytest.mark.parametrize("number", ["12345678", "04595258", "22099132", "10458577", "00000001"])
def test_taiwan_tax_ids_with_a_wrong_digit(number):
    assert not taiwan_tax_id_valid(number)
    assert tax_id_error(number) == "This is not a valid tax id (統一編號): check the digits."


@pytest.mark.parametrize("number", ["12345", "1234567", "123456789", "0459525"])
def test_digits_only_of_another_length_are_refused(number):
    assert tax_id_error(number) == "A tax id (統一編號) has 8 digits."


def test_prc_unified_social_credit_codes():
    assert uscc_valid("91350100M000100Y43")
    assert tax_id_error("91350100M000100Y43") is None
    assert tax_id_error("91350100M000100Y44") == "This is not a valid unified social credit code: check the characters."


def test_foreign_tax_ids_are_checked_for_their_characters_only():
    assert tax_id_error("DE123456789") is None
    assert tax_id_error("GB-123-456") is None
    assert tax_id_error("AB_12") == "Use letters, digits and - only."


def test_full_width_input_is_folded_to_half_width():
    assert normalise_tax_id(" ０４５９ ５２５７ ") == "04595257"
    assert normalise_code(" ａｂ－０１ ") == "AB-01"
    assert normalise_code("ＣＵＳ／００１．Ａ") == "CUS/001.A"


def test_a_code_names_the_character_that_is_not_allowed():
    with pytest.raises(ValidationError) as wrong:
        code_validator(normalise_code("AB#1"))
    with pytest.raises(ValidationError) as start:
        code_validator(normalise_code("-AB"))

    assert wrong.value.messages == ["“#” is not allowed in a code: use letters, digits and . _ / - only."]
    assert start.value.messages == ["A code starts with a letter or digit."]
    code_validator(normalise_code("ａｂ－０１"))  # folded first: allowed
