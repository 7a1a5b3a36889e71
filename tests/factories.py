from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from erp.models import Company, Department
from erp.services import api_token_issue


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CO{n:03d}")
    name = factory.Sequence(lambda n: f"測試公司 {n}")
    tax_id = "12345675"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"部門 {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    company = factory.SubFactory(CompanyFactory)
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])
        if create:
            self.save()


def api_token_for(user: Any) -> str:
    """A new API token's key for ``user`` (only its digest is stored: erp.models.ApiToken)."""
    key, _token = api_token_issue(user=user)
    return key
