"""Realistic Chinese tender titles and project names for the benchmarks: works on schools,
hospitals and roads, goods and services for public bodies, in the shapes a trading centre's
list shows (示范市第一中学教学楼新建工程施工, 东城区环城路道路改造工程施工（二标段）, …).

Deterministic for a seed, so that two sizes of one run and two runs share their vocabulary.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass

PLACES = [
    "示范市",
    "东城区",
    "西城区",
    "南山区",
    "北湖区",
    "高新区",
    "经开区",
    "滨江新区",
    "临港新城",
    "青山镇",
    "白沙镇",
    "石桥乡",
    "河西区",
    "江北区",
    "城南街道",
]
INSTITUTIONS = [
    "第一中学",
    "第二中学",
    "第三中学",
    "实验小学",
    "第一小学",
    "中心小学",
    "实验学校",
    "外国语学校",
    "职业技术学校",
    "特殊教育学校",
    "中心幼儿园",
    "人民医院",
    "中医院",
    "妇幼保健院",
    "疾病预防控制中心",
    "图书馆",
    "文化馆",
    "体育中心",
    "档案馆",
    "政务服务中心",
    "公安局",
    "消防救援站",
    "污水处理厂",
    "自来水厂",
    "垃圾处理中心",
    "养老院",
    "社区服务中心",
    "市场监督管理局",
    "人民法院",
    "汽车客运站",
]
BUILDINGS = [
    "教学楼",
    "综合楼",
    "门诊楼",
    "住院楼",
    "办公楼",
    "宿舍楼",
    "食堂",
    "体育馆",
    "实验楼",
    "附属用房",
    "室外配套",
    "地下车库",
    "围墙及大门",
    "运动场",
]
WORKS = [
    "新建工程",
    "改扩建工程",
    "维修改造工程",
    "装修工程",
    "提升改造工程",
    "抗震加固工程",
    "配套工程",
    "节能改造工程",
]
WORKS_LOTS = [
    "施工",
    "施工总承包",
    "监理",
    "勘察设计",
    "EPC总承包",
    "施工（一标段）",
    "施工（二标段）",
]
ROADS = [
    "环城路",
    "人民路",
    "解放大道",
    "建设路",
    "滨河路",
    "迎宾大道",
    "中山路",
    "科技大道",
    "长江路",
    "黄河路",
    "学府路",
    "文化路",
    "朝阳路",
    "振兴大道",
    "青年路",
]
ROAD_WORKS = [
    "道路改造工程",
    "道路新建工程",
    "大修工程",
    "提升改造工程",
    "雨污分流改造工程",
    "绿化提升工程",
    "路灯亮化工程",
    "桥梁维修加固工程",
    "排水管网改造工程",
]
GOODS = [
    "办公家具采购",
    "计算机设备采购",
    "医疗设备采购",
    "教学设备采购",
    "图书采购",
    "空调设备采购",
    "视频监控设备采购",
    "公务车辆采购",
    "食堂设备采购",
    "实验室仪器采购",
    "体育器材采购",
    "录播教室设备采购",
    "智慧黑板采购",
]
SERVICES = [
    "物业管理服务",
    "保洁服务",
    "安保服务",
    "食堂托管服务",
    "造价咨询服务",
    "审计服务",
    "绿化养护服务",
    "信息系统运维服务",
    "印刷服务",
    "法律顾问服务",
]
YEARS = ["2026年", "2027年", ""]


@dataclass(frozen=True)
class Title:
    title: str
    project_name: str
    category: str


def titles(seed: int = 2026) -> Iterator[Title]:
    """An endless stream of titles: about half works, a fifth roads, the rest goods and
    services."""
    pick = random.Random(seed).choice
    shape = random.Random(seed + 1).random
    while True:
        place, institution = pick(PLACES), pick(INSTITUTIONS)
        roll = shape()
        if roll < 0.45:
            project = f"{place}{institution}{pick(BUILDINGS)}{pick(WORKS)}"
            yield Title(f"{project}{pick(WORKS_LOTS)}", project, "works")
        elif roll < 0.65:
            road, work = pick(ROADS), pick(ROAD_WORKS)
            section = f"（{pick(ROADS)}至{pick(ROADS)}段）" if shape() < 0.4 else ""
            yield Title(f"{place}{road}{section}{work}施工", f"{place}{road}{work}", "works")
        elif roll < 0.85:
            year = pick(YEARS)
            yield Title(
                f"{year}{place}{institution}{pick(GOODS)}项目",
                f"{place}{institution}{year}设备购置项目",
                "goods",
            )
        else:
            year = pick(YEARS)
            yield Title(
                f"{year}{place}{institution}{pick(SERVICES)}",
                f"{place}{institution}{year}服务采购项目",
                "services",
            )
