"""What an expert's profile must hold: specialty codes, a region, an employer's credit code.

Shared by the pool's services and the panel request, which names specialties and a region too.
"""

import re

from django.utils.translation import gettext as _

from accounts.uscc import UsccError, validate_uscc
from config.errors import Refusal

# A code of the pool's classification (评标专家专业分类标准): a letter, then letters or digits.
SPECIALTY_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,19}$")
REGION_CODE = re.compile(r"^[0-9]{6}$")


class PoolRefused(Refusal):
    """A request about the pool that cannot be carried out; `field` names what is wrong."""

    code = "invalid"


def checked_specialties(specialties: object, *, field: str = "specialties") -> list[str]:
    """The codes, in order and without repeats; refused if none or one is malformed."""
    if not isinstance(specialties, list | tuple) or not specialties:
        raise PoolRefused(message=_("Name at least one specialty code."), field=field)
    codes: list[str] = []
    for code in specialties:
        if not isinstance(code, str) or not SPECIALTY_CODE.match(code):
            raise PoolRefused(
                message=_(
                    "%(code)s is not a specialty code: a capital letter followed by up to 19 "
                    "capital letters or digits, e.g. A010101."
                )
                % {"code": code},
                field=field,
            )
        if code not in codes:
            codes.append(code)
    return codes


def checked_region(region: str, *, field: str = "region", required: bool = True) -> str:
    if not region and not required:
        return ""
    if not REGION_CODE.match(region or ""):
        raise PoolRefused(
            message=_("The region must be a six-digit administrative division code, e.g. 110108."),
            field=field,
        )
    return region


def checked_uscc(uscc: str, *, field: str) -> str:
    try:
        return validate_uscc(uscc)
    except UsccError as error:
        raise PoolRefused(message=str(error), field=field) from None
