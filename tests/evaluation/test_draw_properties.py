"""Properties over random pools (hypothesis): no drawn expert ever has a conflict with a bidder,
the tenderee or the agent, and every panel drawn is lawful.

On pure data (many examples): the algorithm against a plain full-sort reading of its
definition, and the eligibility rules with the draw. Against the database (few examples, each
a fresh tender and pool): the SQL filter gives exactly the pure rules' snapshot, and whatever
is requested, a panel is either refused with nothing changed or lawful and free of conflicts.
"""

import itertools

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from config.errors import Refusal
from evaluation.models import Panel, PanelDraw, PanelSeat, SeatKind
from evaluation.panel.algorithm import draw_round, rank_key, round_seed
from evaluation.panel.request import panel_request
from evaluation.panel.rules import Candidate, Exclusions, eligible, region_prefix, snapshot_of
from tests.evaluation.draw_setup import tender_past_deadline, tenderee_person
from tests.evaluation.factories import ExpertConflictFactory, ExpertFactory
from tests.factories import MembershipFactory, OrganisationFactory
from trading.law.checks import check_panel

ids = st.text(alphabet="0123456789abcdef-", min_size=1, max_size=12)
specialties = st.sampled_from(["A010101", "A010201", "B0301"])


def reference_draw(seed, number, requests, snapshot):
    """The definition read literally: sort everything, skip what was taken."""
    sub_seed = round_seed(seed, number)
    taken, drawn = set(), {}
    for specialty, count in requests:
        ordered = sorted(
            snapshot.get(specialty, []),
            key=lambda item: (rank_key(sub_seed, specialty, item), item),
        )
        drawn[specialty] = [item for item in ordered if item not in taken][:count]
        taken.update(drawn[specialty])
    return drawn


@settings(max_examples=300, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    number=st.integers(min_value=1, max_value=2**32 - 1),
    snapshot=st.dictionaries(specialties, st.lists(ids, unique=True, max_size=30)),
    requests=st.lists(
        st.tuples(specialties, st.integers(min_value=1, max_value=12)),
        unique_by=lambda pair: pair[0],
        max_size=3,
    ),
)
def test_the_draw_is_its_definition_and_never_draws_twice(seed, number, snapshot, requests):
    snapshot = {specialty: sorted(items) for specialty, items in snapshot.items()}

    drawn = draw_round(seed=seed, number=number, requests=requests, snapshot=snapshot)

    assert drawn == reference_draw(seed, number, requests, snapshot)
    assert drawn == draw_round(seed=seed, number=number, requests=requests, snapshot=snapshot)
    everyone = [item for items in drawn.values() for item in items]
    assert len(everyone) == len(set(everyone))
    for specialty, count in requests:
        assert set(drawn[specialty]) <= set(snapshot.get(specialty, []))
        assert len(drawn[specialty]) <= count


ORGANISATIONS = ["bidder-a", "bidder-b", "tenderee", "agent", "other-1", "other-2"]
EXCLUDED = frozenset(ORGANISATIONS[:4])
candidates = st.builds(
    Candidate,
    id=ids,
    state=st.sampled_from(["active", "active", "suspended", "blacklisted"]),
    specialties=st.lists(specialties, min_size=1, max_size=2, unique=True),
    region=st.sampled_from(["110108", "110105", "310101"]),
    employer_uscc=st.sampled_from(ORGANISATIONS),
    conflict_usccs=st.frozensets(st.sampled_from(ORGANISATIONS), max_size=2),
    organisation_usccs=st.frozensets(st.sampled_from(ORGANISATIONS), max_size=1),
    recent_seats=st.integers(min_value=0, max_value=4),
    seated_on_panel=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(
    pool=st.lists(candidates, unique_by=lambda candidate: candidate.id, max_size=40),
    region=st.sampled_from(["", "110000", "110108", "310000"]),
    requests=st.lists(
        st.tuples(specialties, st.integers(min_value=1, max_value=7)),
        min_size=1,
        max_size=3,
        unique_by=lambda pair: pair[0],
    ),
    seed=st.binary(min_size=32, max_size=32),
)
def test_nobody_drawn_on_pure_data_has_a_conflict(pool, region, requests, seed):
    exclusions = Exclusions(organisations=EXCLUDED, region=region, repeat_limit=3)
    snapshot = snapshot_of(pool, [specialty for specialty, _count in requests], exclusions)

    drawn = draw_round(seed=seed, number=1, requests=requests, snapshot=snapshot)

    by_id = {candidate.id: candidate for candidate in pool}
    for specialty, items in drawn.items():
        for item in items:
            candidate = by_id[item]
            assert eligible(candidate, specialty, exclusions)
            assert candidate.state == "active"
            assert candidate.employer_uscc not in EXCLUDED
            assert not candidate.conflict_usccs & EXCLUDED
            assert not candidate.organisation_usccs & EXCLUDED
            assert candidate.recent_seats < 3 and not candidate.seated_on_panel
            assert candidate.region.startswith(region_prefix(region))


# --- Against the database ---

codes = itertools.count(1)
PEOPLE = ["bidder-a", "bidder-b", "tenderee", "agent", "other-1", "other-2"]
# Experts who may sit on any panel of the example, and the same with one reason each not to
# (so that a rule missing from the SQL is found in a few examples).
free_expert = st.fixed_dictionaries(
    {
        "state": st.just("active"),
        "specialties": st.lists(st.sampled_from([0, 1]), min_size=1, max_size=2, unique=True),
        "region": st.just("110108"),
        "employer": st.sampled_from(["other-1", "other-2"]),
        "conflicts": st.lists(st.sampled_from(["other-1", "other-2"]), max_size=1),
        "acts_for": st.sampled_from([None, "other-2"]),
    }
)
TWISTS = [
    {"state": "suspended"},
    {"state": "blacklisted"},
    {"region": "310101"},
    {"region": "110105"},  # excluded only where the request names 110108
    *({"employer": name} for name in ("bidder-a", "bidder-b", "tenderee", "agent")),
    *({"conflicts": [name]} for name in ("bidder-a", "bidder-b", "tenderee", "agent")),
    {"acts_for": "bidder-b"},
]
twisted_expert = st.tuples(free_expert, st.sampled_from(TWISTS)).map(
    lambda pair: {**pair[0], **pair[1]}
)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_panel_drawn_from_a_random_pool_is_lawful_and_free_of_conflicts(data):
    # Mostly lawful requests (the refusals have their own tests), over a pool mixing experts
    # the rules exclude with enough who may sit.
    large_procurement = data.draw(st.booleans(), label="large procurement")
    size = data.draw(st.sampled_from([5, 7, 9] if large_procurement else [5, 7]), label="size")
    representatives = data.draw(st.integers(min_value=0, max_value=size // 3 + 1), label="reps")
    needed = size - representatives
    first_count = data.draw(st.integers(min_value=0, max_value=needed), label="first count")
    region = data.draw(st.sampled_from(["", "110000", "110108"]), label="region")
    experts = data.draw(st.lists(twisted_expert, max_size=12), label="twisted") + data.draw(
        st.lists(free_expert, min_size=needed, max_size=needed + 6), label="free"
    )
    tender = tender_past_deadline(
        bidders=2,
        regime="government_procurement" if large_procurement else "works",
        estimated_price_fen=10_000_000_00 if large_procurement else 5_000_000_00,
    )
    project = tender.project
    usccs = {
        "bidder-a": tender.bidders[0].uscc,
        "bidder-b": tender.bidders[1].uscc,
        "tenderee": project.tenderee.uscc,
        "agent": project.agent.uscc,
        "other-1": OrganisationFactory().uscc,
    }
    other_2 = OrganisationFactory()
    usccs["other-2"] = other_2.uscc
    organisations = {"bidder-b": tender.bidders[1], "other-2": other_2}
    # Codes of this example only: earlier examples' experts hold others.
    own = [f"Q{next(codes):06d}", f"Q{next(codes):06d}"]
    pool = []
    for entry in experts:
        expert = ExpertFactory(
            state=entry["state"],
            specialties=[own[index] for index in entry["specialties"]],
            region=entry["region"],
            employer_uscc=usccs[entry["employer"]],
        )
        for name in entry["conflicts"]:
            ExpertConflictFactory(expert=expert, uscc=usccs[name])
        if entry["acts_for"]:
            MembershipFactory(
                user=expert.user, role=Role.BIDDER, organisation=organisations[entry["acts_for"]]
            )
        pool.append(
            Candidate(
                id=str(expert.pk),
                state=entry["state"],
                specialties=[own[index] for index in entry["specialties"]],
                region=entry["region"],
                employer_uscc=usccs[entry["employer"]],
                conflict_usccs=frozenset(usccs[name] for name in entry["conflicts"]),
                organisation_usccs=frozenset(
                    [usccs[entry["acts_for"]]] if entry["acts_for"] else []
                ),
            )
        )
    people = [tenderee_person(tender) for _ in range(representatives)]
    counts = [first_count, needed - first_count]
    requests = [{"specialty": own[i], "count": counts[i]} for i in (0, 1) if counts[i] > 0]

    try:
        panel = panel_request(
            acting=tender.acting,
            tender_id=tender.pk,
            specialties=requests,
            region=region,
            size=size,
            representative_ids=[person.pk for person in people],
        )
    except Refusal as refusal:
        event(f"refused: {refusal.field}: {refusal.message[:60]}")
        assert not Panel.objects.filter(tender=tender).exists()
        assert not PanelSeat.objects.filter(panel__tender=tender).exists()
        return

    event("drawn")
    excluded = frozenset(usccs[name] for name in ("bidder-a", "bidder-b", "tenderee", "agent"))
    exclusions = Exclusions(organisations=excluded, region=region, repeat_limit=3)
    draw = PanelDraw.objects.get(panel=panel, number=1)
    assert draw.pool_snapshot == snapshot_of(
        pool, [item["specialty"] for item in requests], exclusions
    )
    by_id = {candidate.id: candidate for candidate in pool}
    seats = list(PanelSeat.objects.filter(panel=panel))
    drawn = [seat for seat in seats if seat.kind == SeatKind.EXPERT]
    for seat in drawn:
        candidate = by_id[str(seat.expert_id)]
        assert candidate.employer_uscc not in excluded
        assert not candidate.conflict_usccs & excluded
        assert not candidate.organisation_usccs & excluded
        assert candidate.state == "active"
    assert len(seats) == panel.size == size
    assert len(drawn) == needed
    assert (
        check_panel(
            project.regime,
            members=len(seats),
            experts=len(drawn),
            budget_fen=tender.estimated_price_fen,
        )
        == []
    )
