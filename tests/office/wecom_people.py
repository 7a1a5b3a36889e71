"""The people of the WeCom identity and sign-in tests: a company's system admin (staff), an office clerk
(office's permissions but not the mapping's), employees (two sharing an e-mail), a superuser, and
another company with its own admin and employee."""

from types import SimpleNamespace

from tests.factories import CompanyFactory, UserFactory


def build(company, make_user):
    other = CompanyFactory(code="OTHER", name="別家公司")
    return SimpleNamespace(
        company=company,
        admin=make_user("sysadmin", "System admin", is_staff=True, language="en"),
        office=make_user("clerk", "Office staff", language="en"),
        zhang=make_user("zhang", "Sales", first_name="三", last_name="張", email="Zhang@Example.com"),
        li=make_user("li", "Warehouse", first_name="四", last_name="李", email="li@example.com"),
        chen=make_user("chen", email="shared@example.com"),
        chen2=make_user("chen2", email="shared@example.com"),
        root=make_user("root", is_superuser=True, is_staff=True),
        other=other,
        outsider_admin=UserFactory(username="admin-b", company=other, roles=["System admin"], is_staff=True,
                                   language="en"),
        outsider=UserFactory(username="wang", company=other, email="wang@example.com"),
    )
