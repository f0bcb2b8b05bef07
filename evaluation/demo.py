"""The demo expert pool for `make run`: the demo experts (expert01…expert16, accounts/demo.py)
registered by the demo operator with specialties, regions and employers, none of which bids.

Loading is idempotent: an expert already in the pool is left as it is.
"""

from dataclasses import dataclass

from accounts.acting import Acting
from accounts.models import User
from accounts.uscc import make_uscc
from evaluation.models import Expert
from evaluation.pool.services import expert_register

# Demo classification (评标专家专业分类, abridged): 房屋建筑工程, 市政工程, 水利工程, 工程造价.
BUILDING, MUNICIPAL, WATER, COST = "A010101", "A010201", "A010301", "A030101"


@dataclass(frozen=True)
class DemoEmployer:
    name: str
    body: str  # the eight characters that make its USCC unique


EMPLOYERS = [
    DemoEmployer("示范市建筑设计研究院", "PA1E0001"),
    DemoEmployer("示范大学土木工程学院", "PA2E0002"),
    DemoEmployer("示范市市政工程设计院", "PA3E0003"),
    DemoEmployer("示范工程造价咨询有限公司", "PA4E0004"),
]
SPECIALTIES = [
    [BUILDING],
    [BUILDING, COST],
    [MUNICIPAL],
    [MUNICIPAL, BUILDING],
    [WATER],
    [COST],
    [MUNICIPAL, COST],
    [BUILDING],
]


def employer_uscc(employer: DemoEmployer) -> str:
    # 事业单位 (1/2) for the institutes and the university, an enterprise (9/1) for the firm.
    authority, kind = ("9", "1") if "有限公司" in employer.name else ("1", "2")
    return make_uscc(
        authority=authority, organisation_type=kind, division="110108", body=employer.body
    )


def load_demo_pool() -> list[Expert]:
    """Register every demo expert not yet in the pool; return the pool's demo experts."""
    operator = User.objects.get(username="operator")
    acting = Acting(user=operator)
    experts = []
    for number in range(1, 17):
        user = User.objects.get(username=f"expert{number:02d}")
        existing = Expert.objects.filter(user=user).first()
        if existing is not None:
            experts.append(existing)
            continue
        employer = EMPLOYERS[number % len(EMPLOYERS)]
        experts.append(
            expert_register(
                acting=acting,
                user_id=user.pk,
                specialties=SPECIALTIES[number % len(SPECIALTIES)],
                region="110108" if number % 3 else "110105",
                employer_uscc=employer_uscc(employer),
                employer_name=employer.name,
                title="professor_level" if number % 5 == 0 else "senior",
            )
        )
    return experts
