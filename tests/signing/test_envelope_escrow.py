"""The opening committee's escrow key: k of n members recover it, fewer cannot."""

import itertools

import pytest
import shamir_mnemonic
from cryptography.hazmat.primitives.asymmetric import ec

from signing.envelope import (
    create_escrow,
    decrypt_share,
    recover_escrow_key,
    unwrap_data_key,
)
from signing.envelope.errors import (
    EscrowError,
    EscrowKeyMismatch,
    EscrowShareCorrupted,
    EscrowSharesInsufficient,
    WrongKey,
)
from signing.envelope.format import key_id
from tests.signing.envelope_helpers import envelope_of, open_bytes, seal_contents


@pytest.fixture(scope="module")
def members(bidder_credential, bidder_credential_ec, other_bidder_credential, person_credential):
    """Committee members with RSA and EC keys (any certificates serve for the test)."""
    return [bidder_credential, bidder_credential_ec, other_bidder_credential, person_credential]


@pytest.fixture(scope="module")
def escrow(members):
    return create_escrow(3, 4, [member.certificate for member in members])


@pytest.fixture(scope="module")
def mnemonics(escrow, members):
    return [
        decrypt_share(share, member.private_key, escrow_public_key=escrow.public_key)
        for share, member in zip(escrow.shares, members, strict=True)
    ]


def test_each_share_is_encrypted_to_its_member(escrow, members):
    assert escrow.threshold == 3
    assert [share.member_number for share in escrow.shares] == [1, 2, 3, 4]
    assert [share.method for share in escrow.shares] == [
        "RSA-OAEP-SHA256+AES-256-GCM",
        "HPKE-P256-HKDF-SHA256-AES-256-GCM",
        "RSA-OAEP-SHA256+AES-256-GCM",
        "RSA-OAEP-SHA256+AES-256-GCM",
    ]
    with pytest.raises(WrongKey):
        decrypt_share(escrow.shares[0], members[2].private_key, escrow_public_key=escrow.public_key)


def test_any_k_of_n_shares_recover_the_escrow_key(escrow, mnemonics):
    for chosen in itertools.combinations(mnemonics, 3):
        private_key = recover_escrow_key(list(chosen), escrow.public_key)
        assert key_id(private_key.public_key()) == escrow.key_id


def test_more_than_k_shares_also_recover_it(escrow, mnemonics):
    assert key_id(recover_escrow_key(mnemonics, escrow.public_key).public_key()) == escrow.key_id


def test_k_minus_one_shares_do_not_recover_it(escrow, mnemonics):
    for chosen in itertools.combinations(mnemonics, 2):
        with pytest.raises(
            EscrowSharesInsufficient, match=r"2 distinct escrow shares .* 3 are needed"
        ):
            recover_escrow_key(list(chosen), escrow.public_key)


def test_a_share_given_twice_counts_once(escrow, mnemonics):
    with pytest.raises(EscrowSharesInsufficient, match="2 distinct"):
        recover_escrow_key([mnemonics[0], mnemonics[0], mnemonics[1]], escrow.public_key)


@pytest.mark.parametrize("word", [0, 5, 19])
def test_a_corrupted_share_is_detected_and_named(escrow, mnemonics, word):
    words = mnemonics[1].split()
    wordlist = shamir_mnemonic.wordlist.WORDLIST
    words[word] = wordlist[(wordlist.index(words[word]) + 1) % len(wordlist)]
    with pytest.raises(EscrowShareCorrupted, match="share 2 of those given is corrupted"):
        recover_escrow_key([mnemonics[0], " ".join(words), mnemonics[2]], escrow.public_key)


def test_a_recovered_key_not_matching_the_public_key_is_refused(escrow, mnemonics):
    other_public_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(EscrowKeyMismatch, match="does not match the tender's escrow public key"):
        recover_escrow_key(mnemonics[:3], other_public_key)


def test_shares_of_two_escrows_do_not_mix(members, mnemonics, escrow):
    other = create_escrow(3, 4, [member.certificate for member in members])
    foreign = decrypt_share(
        other.shares[2], members[2].private_key, escrow_public_key=other.public_key
    )
    with pytest.raises(EscrowShareCorrupted, match="belongs to another escrow key"):
        recover_escrow_key([mnemonics[0], mnemonics[1], foreign], escrow.public_key)


def test_one_of_n_escrow_lets_any_single_member_recover(members):
    escrow = create_escrow(1, 2, [member.certificate for member in members[:2]])
    for share, member in zip(escrow.shares, members[:2], strict=True):
        mnemonic = decrypt_share(share, member.private_key, escrow_public_key=escrow.public_key)
        assert key_id(recover_escrow_key([mnemonic], escrow.public_key).public_key()) == (
            escrow.key_id
        )


@pytest.mark.parametrize(("k", "n"), [(0, 2), (3, 2), (2, 17)])
def test_impossible_thresholds_are_refused(members, k, n):
    certificates = [members[index % 4].certificate for index in range(n)]
    with pytest.raises(EscrowError, match="impossible"):
        create_escrow(k, n, certificates)


def test_the_committee_opens_a_bid_whose_bidder_key_is_lost(
    escrow, mnemonics, bidder_credential, trust_store
):
    sealed = seal_contents(
        bidder_credential, [b"bid whose key is lost"], escrow_public_key=escrow.public_key
    )
    header = envelope_of(sealed).header
    assert [(recipient.role, recipient.key_id) for recipient in header.recipients] == [
        ("bidder", key_id(bidder_credential.certificate.public_key())),
        ("escrow", escrow.key_id),
    ]
    recovered = recover_escrow_key(mnemonics[1:], escrow.public_key)
    data_key = unwrap_data_key(header, recovered)
    assert data_key == unwrap_data_key(header, bidder_credential.private_key)
    opened = open_bytes(sealed, trust=trust_store, private_key=recovered)
    assert opened.manifest["files"][0]["size"] == len(b"bid whose key is lost")
