"""Synthetic bids for the collusion stories and bench/: honest bidders drawn from a realistic
distribution with a seeded generator, and colluders that share what colluders share.

Honest prices: 92 % of the ceiling price times a log-normal factor of σ = 6 % (bids of works
tenders spread by a few to ten percent), redrawn above the ceiling, quoted to the yuan. Each
honest bidder has its own address, machine and files; its technical text mixes the tender's
requirements (which every bidder quotes) with its own sentences.
"""

import hashlib
import random
import uuid

CEILING_FEN = 12_000_000_00
# The wording of the tender's requirements, which every technical offer quotes in part.
REQUIREMENTS = (
    "本工程采用钢筋混凝土框架结构，抗震设防烈度为七度。",
    "施工单位应当按照国家现行规范组织施工并对工程质量负责。",
    "项目经理应当具有一级建造师资格并在岗履职。",
    "安全文明施工措施费不得作为竞争性费用。",
    "工期为二百日历天，质量标准为合格。",
)
# Characters an honest bidder writes its own sentences with.
VOCABULARY = (
    "我公司将严格按照设计图纸与施工规范组织施工确保工程质量安全进度满足招标文件要求"
    "针对本项目特点编制专项方案合理配置劳动力机械设备材料加强现场管理与协调"
    "混凝土钢筋模板脚手架土方基础主体装饰安装屋面防水节能环保验收检测监理"
)


def honest_price(
    rng: random.Random, ceiling_fen: int = CEILING_FEN, *, spread: float = 0.06
) -> int:
    while True:
        price = round(ceiling_fen * 0.92 * rng.lognormvariate(0, spread), -2)
        if price <= ceiling_fen:
            return int(price)


def address(rng: random.Random) -> str:
    return (
        f"{rng.randint(11, 120)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    )


def fingerprint(rng: random.Random) -> dict:
    """A machine as bidtool describes it (signing/envelope/fingerprint.py)."""
    octets = [rng.randrange(0, 256, 4)] + [rng.randrange(256) for _ in range(5)]
    return {
        "machine_id_sha256": hashlib.sha256(rng.randbytes(16)).hexdigest(),
        "mac_addresses": [":".join(f"{octet:02x}" for octet in octets)],
        "hostname_sha256": hashlib.sha256(rng.randbytes(8)).hexdigest(),
        "installation_id": str(uuid.UUID(bytes=rng.randbytes(16), version=4)),
        "operating_system": "Windows 10",
    }


def digest(rng: random.Random) -> str:
    return hashlib.sha256(rng.randbytes(32)).hexdigest()


def technical_text(rng: random.Random, sentences: int = 60) -> str:
    """Quoted requirements and the bidder's own sentences, shuffled."""
    own = ["".join(rng.choices(VOCABULARY, k=rng.randint(18, 40))) + "。" for _ in range(sentences)]
    quoted = [rng.choice(REQUIREMENTS) for _ in range(sentences // 6)]
    parts = own + quoted
    rng.shuffle(parts)
    return "".join(parts)


def copied_text(rng: random.Random, original: str, changed: float = 0.1) -> str:
    """The original with a share of its sentences rewritten: a copied technical offer."""
    sentences = original.split("。")
    for index in rng.sample(range(len(sentences)), int(len(sentences) * changed)):
        sentences[index] = "".join(rng.choices(VOCABULARY, k=len(sentences[index])))
    return "。".join(sentences)
