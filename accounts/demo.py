"""Demo identities for `make run`: enough people and organisations to walk a tender end to end.

Loading is idempotent: what exists is left as it is, so restarting the platform is harmless.
"""

from dataclasses import dataclass

from django.db import transaction

from accounts.models import Organisation, Role, User
from accounts.services import SERVER, organisation_register, role_grant, user_register
from accounts.uscc import make_uscc
from monitoring.services import PLATFORM

DEMO_PASSWORD = "demo-platform-2026"  # noqa: S105 - printed for demo logins, refused in production


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    body: str  # the eight characters that make its USCC unique
    role: Role
    username: str
    person: str


ORGANISATIONS = [
    DemoOrganisation("示范市住房和城乡建设局", "MB1A0001", Role.TENDEREE, "tenderee", "王建国"),
    DemoOrganisation("示范招标代理有限公司", "MA2B0002", Role.AGENT, "agent", "李明"),
    DemoOrganisation("华夏建工集团有限公司", "MA3C0003", Role.BIDDER, "bidder1", "张伟"),
    DemoOrganisation("长城路桥建设有限公司", "MA4D0004", Role.BIDDER, "bidder2", "刘洋"),
    DemoOrganisation("江南水利工程有限公司", "MA5E0005", Role.BIDDER, "bidder3", "陈静"),
    DemoOrganisation("东方市政工程有限公司", "MA6F0006", Role.BIDDER, "bidder4", "杨帆"),
    DemoOrganisation("西部安装工程有限公司", "MA7G0007", Role.BIDDER, "bidder5", "赵磊"),
]
EXPERT_NAMES = [
    "周敏",
    "吴刚",
    "郑丽",
    "孙强",
    "钱芳",
    "冯涛",
    "褚娟",
    "卫东",
    "蒋华",
    "沈杰",
    "韩雪",
    "朱峰",
    "秦岭",
    "许诺",
    "何平",
    "吕红",
]


def demo_uscc(body: str) -> str:
    # 机关 for the tenderee, 企业 for the others; division 110108 (北京市海淀区).
    authority_type = ("1", "1") if body.startswith("MB") else ("9", "1")
    return make_uscc(
        authority=authority_type[0],
        organisation_type=authority_type[1],
        division="110108",
        body=body,
    )


def _person(username: str, full_name: str, *, is_staff: bool = False) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return user_register(
        username=username,
        password=DEMO_PASSWORD,
        full_name=full_name,
        is_staff=is_staff,
        actor=PLATFORM,
    )


@transaction.atomic
def load_demo_identities() -> list[tuple[str, str]]:
    """Create what is missing; return (username, what the login is for) for every demo login."""
    logins = []
    for demo in ORGANISATIONS:
        uscc = demo_uscc(demo.body)
        organisation = Organisation.objects.filter(uscc=uscc).first() or organisation_register(
            name=demo.name, uscc=uscc, actor=PLATFORM
        )
        user = _person(demo.username, demo.person)
        role_grant(user=user, role=demo.role, organisation=organisation, actor=PLATFORM)
        logins.append((demo.username, f"{demo.role.label}: {demo.name}"))
    for number, name in enumerate(EXPERT_NAMES, start=1):
        username = f"expert{number:02d}"
        role_grant(user=_person(username, name), role=Role.EXPERT, actor=PLATFORM)
        logins.append((username, f"{Role.EXPERT.label}: {name}"))
    role_grant(
        user=_person("supervisor", "监督员 孔明"),
        role=Role.SUPERVISOR,
        actor=SERVER,
        reason="demo data (manage.py load_demo)",
    )
    logins.append(("supervisor", str(Role.SUPERVISOR.label)))
    operator = _person("operator", "运维 欧阳", is_staff=True)
    if not operator.is_superuser:
        operator.is_superuser = True
        operator.save(update_fields=["is_superuser"])
    role_grant(user=operator, role=Role.OPERATOR, actor=PLATFORM)
    logins.append(("operator", f"{Role.OPERATOR.label} (admin)"))
    return logins
