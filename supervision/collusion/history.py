"""Read the history of awarded tenders the screens across tenders count, one query per screen
whatever the number of tenders: the database windows each bidder's last losses and each
tenderee's last awards (ROW_NUMBER over a partition), so only the windows travel.

Awarded: the tender has its `Award` (确定中标人) and is awarded, contracted or archived, or was
suspended in one of those states. A loss: a bid in the tender at its deadline (the bids the
collusion screens read: submitted, decrypted or failing decryption) of a bidder other than the
winner. Most recent first: by the award's decision, then the tender's id.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from accounts.models import Organisation
from bids.models import Bid
from supervision.collusion.across import AwardedTender
from supervision.collusion.gather import SCREENED_STATES
from trading.models import Award, TenderState

AWARDED_STATES = (TenderState.AWARDED, TenderState.CONTRACTED, TenderState.ARCHIVED)


def _awarded(prefix: str) -> Q:
    return Q(**{f"{prefix}state__in": AWARDED_STATES}) | Q(
        **{
            f"{prefix}state": TenderState.SUSPENDED,
            f"{prefix}state_before_suspension__in": AWARDED_STATES,
        }
    )


AWARD = "tender__award_decision__"


def losses() -> QuerySet[Bid]:
    """Every loss of the history: a bid in an awarded tender, of a bidder other than the
    winner."""
    return (
        Bid.objects.filter(_awarded("tender__"), state__in=SCREENED_STATES)
        .filter(**{f"{AWARD}isnull": False})
        .exclude(bidder_id=F(f"{AWARD}winner_id"))
    )


def loss_rows(*, window: int) -> QuerySet[Bid, tuple[Any, ...]]:
    """The query of `losses_by_bidder`: one row per loss in each bidder's window."""
    award = AWARD
    return (
        losses()
        .annotate(
            loss_rank=Window(
                RowNumber(),
                partition_by=[F("bidder_id")],
                order_by=[F(f"{award}decided_at").desc(), F("tender_id").desc()],
            ),
            # The losers of the tender; with the winner, its bids.
            losers=Window(Count("id"), partition_by=[F("tender_id")]),
        )
        .filter(loss_rank__lte=window)
        .order_by("bidder_id", "loss_rank")
        .values_list(
            "bidder_id",
            "tender_id",
            "tender__project__tenderee_id",
            f"{award}winner_id",
            f"{award}decided_at",
            "losers",
            "tender__title",
            "tender__project__code",
            f"{award}price_fen",
        )
    )


def losses_by_bidder(*, window: int) -> dict[str, list[AwardedTender]]:
    """Each bidder's last `window` losses, most recent first; `bids` counts every bid of the
    tender (the winner's and the losers')."""
    by_bidder: dict[str, list[AwardedTender]] = defaultdict(list)
    rows = loss_rows(window=window)
    for bidder, tender, tenderee, winner, decided_at, losers, title, code, price in rows:
        by_bidder[str(bidder)].append(
            AwardedTender(
                tender_id=str(tender),
                tenderee_id=str(tenderee),
                winner_id=str(winner),
                decided_at=decided_at,
                bids=losers + 1,
                title=title,
                project_code=code,
                price_fen=price,
            )
        )
    return dict(by_bidder)


def award_rows(*, window: int) -> QuerySet[Award, tuple[Any, ...]]:
    """The query of `awards_by_tenderee`: one row per award in each tenderee's window."""
    bids = (
        Bid.objects.filter(tender_id=OuterRef("tender_id"), state__in=SCREENED_STATES)
        .order_by()
        .values("tender_id")
        .annotate(count=Count("id"))
        .values("count")
    )
    return (
        Award.objects.filter(_awarded("tender__"))
        .annotate(
            award_rank=Window(
                RowNumber(),
                partition_by=[F("tender__project__tenderee_id")],
                order_by=[F("decided_at").desc(), F("tender_id").desc()],
            ),
        )
        .filter(award_rank__lte=window)
        .annotate(bids=Coalesce(Subquery(bids), 0))
        .order_by("tender__project__tenderee_id", "award_rank")
        .values_list(
            "tender__project__tenderee_id",
            "tender_id",
            "winner_id",
            "decided_at",
            "bids",
            "tender__title",
            "tender__project__code",
            "price_fen",
        )
    )


def awards_by_tenderee(*, window: int) -> dict[str, list[AwardedTender]]:
    """Each tenderee's last `window` awarded tenders, most recent first."""
    awards: dict[str, list[AwardedTender]] = defaultdict(list)
    rows = award_rows(window=window)
    for tenderee, tender, winner, decided_at, count, title, code, price in rows:
        awards[str(tenderee)].append(
            AwardedTender(
                tender_id=str(tender),
                tenderee_id=str(tenderee),
                winner_id=str(winner),
                decided_at=decided_at,
                bids=count,
                title=title,
                project_code=code,
                price_fen=price,
            )
        )
    return dict(awards)


def organisations_named(ids: Iterable[str]) -> dict[str, Organisation]:
    """The organisations a set of findings names, in one query (none when there are none)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {str(org.pk): org for org in Organisation.objects.filter(pk__in=wanted)}
