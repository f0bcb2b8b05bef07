"""Factories for the identities every test story starts from."""

import factory

from accounts.models import Organisation, Role, RoleMembership, User
from accounts.uscc import make_uscc


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda number: f"user{number:04d}")
    full_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("correct horse battery staple")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda number: f"测试建设有限公司{number:04d}")
    uscc = factory.Sequence(
        lambda number: make_uscc(
            authority="9", organisation_type="1", division="110108", body=f"MA{number:06d}"
        )
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleMembership

    user = factory.SubFactory(UserFactory)
    role = Role.BIDDER
    organisation = factory.SubFactory(OrganisationFactory)
