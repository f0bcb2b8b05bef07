"""Unified social credit codes: real-format valid codes pass, each kind of invalid one is named."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.uscc import ALPHABET, UsccError, make_uscc, validate_uscc

# Published codes of well-known enterprises and one public institution.
REAL_CODES = [
    "914403001922038216",  # 华为技术有限公司
    "91330100716105852F",  # 阿里巴巴(中国)有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91110000600037341L",
    "91110108551385082Q",
    "91350100M000100Y43",  # the example code of GB 32100-2015
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_a_real_code_is_accepted(code):
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91440300192203821", "must have 18 characters, not 17"),
        ("9144030019220382161", "must have 18 characters, not 19"),
        ("", "must have 18 characters, not 0"),
        ("91440300192203821I", "Character 18 (I) of the unified social credit code is not allowed"),
        ("914403001922038z16", "Character 16 (z) of the unified social credit code is not allowed"),
        ("B14403001922038216", "registration authority code B (character 1) does not exist"),
        ("944403001922038216", "organisation type 4 (character 2) is not issued by registration"),
        ("9144A3001922038216", "administrative division code (characters 3 to 8) must be six"),
        ("914403001922038316", "organisation code (characters 9 to 17) has a wrong check"),
        ("914403001922038217", "check character (character 18) is wrong: 7 where 6 is expected"),
    ],
)
def test_each_kind_of_invalid_code_is_named(code, message):
    with pytest.raises(UsccError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_uscc(code)


def test_a_code_that_is_not_text_is_refused():
    with pytest.raises(UsccError, match="must be text"):
        validate_uscc(914403001922038216)


@given(
    body=st.text(alphabet=ALPHABET, min_size=8, max_size=8),
    division=st.from_regex(r"\A[0-9]{6}\Z"),
    kind=st.sampled_from([("9", "1"), ("9", "2"), ("1", "1"), ("5", "3"), ("Y", "1")]),
)
def test_every_built_code_is_valid_and_any_changed_character_is_caught(body, division, kind):
    code = make_uscc(authority=kind[0], organisation_type=kind[1], division=division, body=body)
    assert validate_uscc(code) == code
    for replacement in "0A":
        forged = code[:17] + (replacement if code[17] != replacement else "1")
        with pytest.raises(UsccError):
            validate_uscc(forged)
