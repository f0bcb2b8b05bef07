"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Eighteen characters: registration authority (1), organisation type (1), administrative division
(6 digits), organisation code (9, itself GB 11714 with its own check character), check character
(1). The alphabet is the digits and the capital letters without I, O, Z, S, V.
"""

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {character: index for index, character in enumerate(ALPHABET)}
# GB 32100-2015 §5: weight of position i (from 0) is 3^i mod 31.
WEIGHTS = [pow(3, position, 31) for position in range(17)]

# GB 32100-2015 appendix A: registration authorities and the organisation types each may issue.
AUTHORITY_TYPES = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直管群众团体, 其他
    "2": "19",  # 外交
    "3": "123459",  # 司法行政
    "4": "19",  # 文化
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 市场监管 (工商): 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}
# GB 11714-1997: weights of the eight body characters of the organisation code.
ORGANISATION_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


class UsccError(ValueError):
    """A code that is not a valid USCC; the message says what is wrong."""


def check_character(first_seventeen: str) -> str:
    pairs = zip(first_seventeen, WEIGHTS, strict=True)
    total = sum(VALUE[character] * weight for character, weight in pairs)
    return ALPHABET[(31 - total % 31) % 31]


def organisation_code_check_character(body: str) -> str:
    pairs = zip(body, ORGANISATION_CODE_WEIGHTS, strict=True)
    total = sum(VALUE[character] * weight for character, weight in pairs)
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def validate_uscc(code: str) -> str:
    """Return the code if valid; raise UsccError naming the first thing wrong with it."""
    if not isinstance(code, str):
        raise UsccError(_("The unified social credit code must be text."))
    if len(code) != 18:
        raise UsccError(
            _("The unified social credit code must have 18 characters, not %(length)d.")
            % {"length": len(code)}
        )
    for position, character in enumerate(code, start=1):
        if character not in VALUE:
            raise UsccError(
                _(
                    "Character %(position)d (%(character)s) of the unified social credit code is "
                    "not allowed: use digits and capital letters other than I, O, Z, S, V."
                )
                % {"position": position, "character": character}
            )
    authority, organisation_type = code[0], code[1]
    if authority not in AUTHORITY_TYPES:
        raise UsccError(
            _("The registration authority code %(authority)s (character 1) does not exist.")
            % {"authority": authority}
        )
    if organisation_type not in AUTHORITY_TYPES[authority]:
        raise UsccError(
            _(
                "The organisation type %(type)s (character 2) is not issued by registration "
                "authority %(authority)s."
            )
            % {"type": organisation_type, "authority": authority}
        )
    if not code[2:8].isdigit():
        raise UsccError(
            _("The administrative division code (characters 3 to 8) must be six digits.")
        )
    body, organisation_check = code[8:16], code[16]
    expected_organisation_check = organisation_code_check_character(body)
    if organisation_check != expected_organisation_check:
        raise UsccError(
            _(
                "The organisation code (characters 9 to 17) has a wrong check character: "
                "%(found)s where %(expected)s is expected."
            )
            % {"found": organisation_check, "expected": expected_organisation_check}
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise UsccError(
            _(
                "The check character (character 18) is wrong: %(found)s where %(expected)s "
                "is expected."
            )
            % {"found": code[17], "expected": expected}
        )
    return code


def make_uscc(*, authority: str, organisation_type: str, division: str, body: str) -> str:
    """Build a valid code from its parts (demo data and test factories)."""
    organisation_code = body + organisation_code_check_character(body)
    first_seventeen = authority + organisation_type + division + organisation_code
    return first_seventeen + check_character(first_seventeen)
