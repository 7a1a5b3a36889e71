"""Languages: zh-Hant by default, each user's choice stored on the user; ERP number formats."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation


def test_the_login_page_speaks_traditional_chinese_by_default(client, db):
    response = client.get("/accounts/login/")

    assert response["Content-Language"] == "zh-hant"
    assert "登入" in response.content.decode()


def test_a_user_switches_to_english_and_back_and_the_choice_is_stored(client, make_user):
    user = make_user("clerk", "Sales")
    client.force_login(user)

    home = client.get("/").content.decode()
    assert "待辦事項" in home

    response = client.post("/i18n/language/", {"language": "en", "next": "/office/"})
    assert response.status_code == 302
    assert response["Location"] == "/office/"
    user.refresh_from_db()
    assert user.language == "en"
    assert "Task inbox" in client.get("/office/").content.decode()

    client.post("/i18n/language/", {"language": "zh-hans", "next": "/"})
    assert "待办事项" in client.get("/").content.decode()
    client.post("/i18n/language/", {"language": "zh-hant", "next": "/"})
    assert "待辦事項" in client.get("/").content.decode()


def test_the_stored_language_follows_the_user_to_a_new_session(client, make_user):
    user = make_user("clerk", "Sales", language="en")
    client.force_login(user)

    assert "Task inbox" in client.get("/").content.decode()


def test_an_unknown_language_is_refused_and_changes_nothing(client, make_user):
    user = make_user("clerk", "Sales")
    client.force_login(user)

    client.post("/i18n/language/", {"language": "xx", "next": "/"})

    user.refresh_from_db()
    assert user.language == "zh-hant"


def test_an_offsite_next_is_not_followed(client, make_user):
    client.force_login(make_user("clerk"))

    response = client.post("/i18n/language/", {"language": "en", "next": "https://evil.example/"})

    assert response["Location"] == "/"


@pytest.mark.parametrize(
    "language,expected_date", [("zh-hant", "2026/11/25"), ("zh-hans", "2026-11-25"), ("en", "2026-11-25")]
)
def test_numbers_group_by_three_with_commas_in_every_language(language, expected_date):
    import datetime

    template = Template("{% load humanize %}{{ amount|floatformat:2 }}|{{ when|date:'SHORT_DATE_FORMAT' }}")
    with translation.override(language):
        rendered = template.render(
            Context({"amount": Decimal("1234567.5"), "when": datetime.date(2026, 11, 25)})
        )

    assert rendered == f"1,234,567.50|{expected_date}"
