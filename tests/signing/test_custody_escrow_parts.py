"""The committee makes the tender's escrow key from parts: nobody ever holds its private key,
yet any k members recover it after the deadline, and a part chosen to cancel the others is
refused."""

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from signing.envelope.errors import EscrowKeyMismatch, EscrowSharesInsufficient
from signing.envelope.escrow_parts import (
    EscrowPart,
    EscrowPartInvalid,
    combine_public_parts,
    deal_escrow_part,
    member_shares_problem,
    open_member_shares,
    part_statement,
    recover_from_parts,
    verify_escrow_part,
)
from signing.envelope.format import certificate_sha256, key_id

TENDER = "2f1d7c1e-0000-4000-8000-00000000e5c0"


@pytest.fixture(scope="module")
def members(certificate_authority):
    return [
        certificate_authority.issue_person(
            name=f"委员{number}", person_id=f"1101011990010{number:05d}", key_type=key_type
        )
        for number, key_type in ((1, "ec-p256"), (2, "rsa3072"), (3, "ec-p256"))
    ]


def certificates(members):
    return [member.certificate for member in members]


def deal_all(members, threshold=2):
    return [
        deal_escrow_part(
            tender_id=TENDER,
            dealer_number=number,
            threshold=threshold,
            member_certificates=certificates(members),
        )
        for number in range(1, len(members) + 1)
    ]


def member_record(parts, number):
    """What the platform gives member `number` at the opening: its share of every part."""
    return [
        {
            "dealer_number": part.dealer_number,
            "public_key": part.public_key_pem(),
            "share": part.shares[number - 1].to_json(),
        }
        for part in parts
    ]


def test_k_members_recover_the_sum_of_the_parts_and_no_part_is_the_key(members):
    parts = deal_all(members)
    for part in parts:
        verify_escrow_part(
            EscrowPart.from_json(part.to_json()),
            tender_id=TENDER,
            threshold=2,
            member_certificates=certificates(members),
        )
    escrow_key = combine_public_parts([part.public_key for part in parts])

    opened = {
        number: open_member_shares(member_record(parts, number), members[number - 1].private_key)
        for number in (1, 3)
    }
    shares_by_dealer = {
        part.dealer_number: [opened[number][str(part.dealer_number)] for number in (1, 3)]
        for part in parts
    }
    recovered = recover_from_parts(
        shares_by_dealer, {part.dealer_number: part.public_key for part in parts}, escrow_key
    )

    assert key_id(recovered.public_key()) == key_id(escrow_key)
    assert key_id(escrow_key) not in {key_id(part.public_key) for part in parts}
    for number in (1, 3):
        assert (
            member_shares_problem(opened[number], member_number=number, dealers=[1, 2, 3]) is None
        )
    assert member_shares_problem(opened[1], member_number=2, dealers=[1, 2, 3]) == (
        "share_not_yours"
    )


def test_the_sum_of_public_parts_is_the_public_key_of_the_sum(members):
    scalars = [7, 7, 2**255 + 12345]  # a part given twice adds by doubling
    parts = [ec.derive_private_key(value, ec.SECP256R1()).public_key() for value in scalars]
    total = ec.derive_private_key(
        sum(scalars) % 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        ec.SECP256R1(),
    )
    assert key_id(combine_public_parts(parts)) == key_id(total.public_key())


def test_a_part_chosen_to_cancel_the_others_is_refused(members):
    """The last member picks its public part as T - X_1 - X_2 for a key T it knows: the sum
    would be T. It cannot sign with that part's private key, which nobody knows."""
    honest = deal_all(members)[:2]
    own = ec.generate_private_key(ec.SECP256R1())
    negated = []
    for part in honest:
        numbers = part.public_key.public_numbers()
        negated.append(
            ec.EllipticCurvePublicNumbers(
                numbers.x, (-numbers.y) % (2**256 - 2**224 + 2**192 + 2**96 - 1), ec.SECP256R1()
            ).public_key()
        )
    rogue_key = combine_public_parts([own.public_key(), *negated])
    recipients = [certificate_sha256(member.certificate) for member in members]
    statement = part_statement(
        tender_id=TENDER, dealer_number=3, threshold=2, public_key=rogue_key, recipients=recipients
    )
    rogue = EscrowPart(
        3, rogue_key, 2, own.sign(statement, ec.ECDSA(hashes.SHA256())), honest[0].shares
    )
    assert key_id(combine_public_parts([*(part.public_key for part in honest), rogue_key])) == (
        key_id(own.public_key())
    )

    with pytest.raises(EscrowPartInvalid) as refused:
        verify_escrow_part(
            rogue, tender_id=TENDER, threshold=2, member_certificates=certificates(members)
        )

    assert str(refused.value) == (
        "The part's proof does not verify: it was not made with its private key for this "
        "tender and committee."
    )


def test_a_part_dealt_for_another_tender_or_committee_is_refused(members):
    part = deal_all(members)[0]
    with pytest.raises(EscrowPartInvalid, match="proof does not verify"):
        verify_escrow_part(
            part,
            tender_id="another tender",
            threshold=2,
            member_certificates=certificates(members),
        )
    with pytest.raises(EscrowPartInvalid, match="not encrypted to that member's current"):
        verify_escrow_part(
            part,
            tender_id=TENDER,
            threshold=2,
            member_certificates=list(reversed(certificates(members))),
        )


def test_a_dealer_whose_shares_do_not_recover_its_part_is_named(members):
    parts = deal_all(members)
    other = deal_all(members)  # member 2 hands out shares of another part than it published
    shares_by_dealer = {}
    for part in parts:
        dealt = other[1] if part.dealer_number == 2 else part
        shares_by_dealer[part.dealer_number] = [
            open_member_shares(member_record([dealt], number), members[number - 1].private_key)[
                str(part.dealer_number)
            ]
            for number in (1, 2)
        ]

    with pytest.raises(EscrowKeyMismatch) as refused:
        recover_from_parts(
            shares_by_dealer,
            {part.dealer_number: part.public_key for part in parts},
            combine_public_parts([part.public_key for part in parts]),
        )

    assert str(refused.value).startswith("Escrow part of member 2: ")


def test_too_few_shares_of_a_part_recover_nothing(members):
    parts = deal_all(members)
    one = open_member_shares(member_record(parts, 1), members[0].private_key)
    with pytest.raises(EscrowSharesInsufficient) as refused:
        recover_from_parts(
            {part.dealer_number: [one[str(part.dealer_number)]] for part in parts},
            {part.dealer_number: part.public_key for part in parts},
            combine_public_parts([part.public_key for part in parts]),
        )
    assert "Escrow part of member 1: " in str(refused.value)
