"""Factories for evaluation stories: experts in the pool, a panel and its seats, a session."""

import hashlib

import factory

from accounts.models import Role
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TenderFactory,
    UserFactory,
    days_from_now,
)

SPECIALTY = "A010101"  # 房屋建筑工程 in the demo classification
REGION = "110108"


class ExpertUserFactory(UserFactory):
    """A person holding the expert role."""

    class Meta:
        skip_postgeneration_save = True

    username = factory.Sequence(lambda number: f"expert{number:05d}")
    membership = factory.RelatedFactory(
        MembershipFactory, factory_related_name="user", role=Role.EXPERT, organisation=None
    )


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.Expert"

    user = factory.SubFactory(ExpertUserFactory)
    specialties = factory.LazyFunction(lambda: [SPECIALTY])
    region = REGION
    employer_uscc = factory.LazyFunction(lambda: OrganisationFactory.build().uscc)
    employer_name = factory.Sequence(lambda number: f"示范市设计研究院{number:04d}")
    title = "senior"
    created_at = factory.LazyFunction(lambda: days_from_now(-400))


class ExpertConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.ExpertConflict"

    expert = factory.SubFactory(ExpertFactory)
    kind = "organisation"
    uscc = factory.LazyFunction(lambda: OrganisationFactory.build().uscc)
    reason = "曾在该单位任职"
    declared_at = factory.LazyFunction(lambda: days_from_now(-30))


def seed_sha256(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


class PanelFactory(factory.django.DjangoModelFactory):
    """A panel row in a state the test sets (no draw made): for stories about what follows."""

    class Meta:
        model = "evaluation.Panel"

    tender = factory.SubFactory(TenderFactory)
    requested_by = factory.SubFactory(UserFactory)
    requested_at = factory.LazyFunction(lambda: days_from_now(0))
    specialties = factory.LazyFunction(lambda: [{"specialty": SPECIALTY, "count": 5}])
    region = REGION
    size = 5
    seed_sha256 = factory.LazyFunction(lambda: seed_sha256(b"test seed"))


class PanelSeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.PanelSeat"

    panel = factory.SubFactory(PanelFactory)
    kind = "expert"
    expert = factory.SubFactory(ExpertFactory)
    user = factory.LazyAttribute(lambda seat: seat.expert.user)
    specialty = SPECIALTY


class EvaluationSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.EvaluationSession"

    panel = factory.SubFactory(PanelFactory)
    tender = factory.LazyAttribute(lambda session: session.panel.tender)
    starts_at = factory.LazyFunction(lambda: days_from_now(-0.01))
    ends_at = factory.LazyFunction(lambda: days_from_now(0.5))
    convened_at = factory.LazyFunction(lambda: days_from_now(-0.01))
