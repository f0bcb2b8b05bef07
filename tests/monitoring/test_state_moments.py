"""A moment a state guarantees (a published tender's bid deadline) read through
monitoring.transitions.moment_set_by_state: missing, it is a broken invariant named in full."""

import pytest

from bids.opening.selectors import opening_sign_in_opens_at
from monitoring.transitions import StateInvariantBroken
from tests.factories import TenderFactory
from trading.models import Tender, TenderState


@pytest.mark.django_db
def test_a_published_tender_whose_bid_deadline_was_blanked_by_hand_names_what_is_missing():
    tender = TenderFactory()
    Tender.objects.filter(pk=tender.pk).update(state=TenderState.PUBLISHED, bid_deadline=None)
    tender.refresh_from_db()
    with pytest.raises(
        StateInvariantBroken,
        match=f"^trading.Tender {tender.pk} is published but has no bid_deadline$",
    ):
        opening_sign_in_opens_at(tender=tender)


@pytest.mark.django_db
def test_sign_in_opens_the_configured_minutes_before_the_bid_deadline():
    tender = TenderFactory(sign_in_opens_minutes_before=30)
    opens_at = opening_sign_in_opens_at(tender=tender)
    assert (tender.bid_deadline - opens_at).total_seconds() == 30 * 60
