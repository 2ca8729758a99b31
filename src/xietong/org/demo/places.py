"""The demo province's places: cities, counties, township and village names, regions."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from ..models import Region, RegionLevel
from .names import random_surname

if TYPE_CHECKING:
    from .builder import DemoBuilder

DEMO_PROVINCE_CODE = "410000"

# GB/T 2260 codes and names of the demo cities and their counties.
# fmt: off
_CITIES = (
    ("410100", "郑州市", (
        ("410102", "中原区"), ("410103", "二七区"), ("410104", "管城回族区"),
        ("410105", "金水区"), ("410122", "中牟县"), ("410181", "巩义市"),
    )),
    ("410200", "开封市", (
        ("410202", "龙亭区"), ("410204", "鼓楼区"), ("410212", "祥符区"),
        ("410221", "杞县"), ("410225", "兰考县"),
    )),
    ("410300", "洛阳市", (
        ("410303", "西工区"), ("410305", "涧西区"), ("410311", "洛龙区"),
        ("410324", "栾川县"), ("410327", "宜阳县"),
    )),
    ("410400", "平顶山市", (
        ("410402", "新华区"), ("410403", "卫东区"), ("410411", "湛河区"),
        ("410422", "叶县"), ("410482", "汝州市"),
    )),
    ("410500", "安阳市", (
        ("410502", "文峰区"), ("410503", "北关区"), ("410522", "安阳县"),
        ("410523", "汤阴县"), ("410581", "林州市"),
    )),
)
# fmt: on
# Other real Henan county codes, for places of birth outside the demo counties.
OTHER_BIRTH_CODES = tuple(
    (
        "410602 410702 410802 410902 411002 "
        "411024 411102 411202 411302 411325 "
        "411402 411421 411502 411526 411602 "
        "411623 411702 411722"
    ).split()
)
_JINSHUI_STREETS = tuple(
    (
        "经八路街道 花园路街道 人民路街道 杜岭街道 大石桥街道 南阳路街道 "
        "南阳新村街道 文化路街道 丰产路街道 东风路街道 北林路街道 未来路街道"
    ).split()
)
_STREET_ROOTS = tuple(
    (
        "建设路 解放路 人民路 和平路 文化路 新华路 工人路 中原路 桐柏路 "
        "嵩山路 淮河路 长江路 黄河路 健康路 光明路 东风路 五一路 朝阳路 "
        "胜利路 民主路 团结路 红旗路 车站 城东路 城西路 城南路 城北路 新城 "
        "东大街 西大街 南大街 北大街 迎宾路 滨河 公园路 府前路 振兴路 育才路 "
        "西关 东关 南关 北关"
    ).split()
)
_PLACE_ROOTS = tuple(
    (
        "白沙 龙泉 青龙 石桥 大峪 柳林 高山 官渡 黄店 姚家 韩寺 万滩 "
        "三官庙 九龙 双桥 五龙 七里 八里 十里铺 梨园 桃园 杏花 枣林 松林 "
        "槐树 龙王 凤凰 金山 银山 玉皇 牛头 马头 石门 铁门 古城 新店 老庄 "
        "青山 红石 狮子 卧龙 仙台 回龙 大营"
    ).split()
)
_PLACE_SUFFIXES = "庄寨集店桥营楼岗湾屯坡铺口河庙窑"
_COMMUNITY_ROOTS = tuple(
    (
        "幸福 和平 建业 锦江 桂园 金城 文化 光明 友爱 阳光 康宁 新华 紫荆 "
        "翠竹 丰庆 兴华 民安 花园 书香 明珠 绿城 怡园 颐和 晨光 东明 南苑 "
        "北苑 西苑 滨河 凤凰 龙湖 金桥 银河 春晖 同乐 安居 长乐 永安 盛世 "
        "锦绣"
    ).split()
)
_VILLAGE_PREFIXES = ("大", "小", "前", "后", "东", "西", "南", "北", "上", "下")


def _place_root(rng: random.Random) -> str:
    if rng.random() < 0.55:
        return random_surname(rng)[0] + rng.choice(_PLACE_SUFFIXES)
    return rng.choice(_PLACE_ROOTS)


def _village_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return random_surname(rng)[0] + rng.choice(_PLACE_SUFFIXES) + "村"
    if roll < 0.8:
        return rng.choice(_VILLAGE_PREFIXES) + random_surname(rng)[0] + "村"
    return rng.choice(_PLACE_ROOTS) + "村"


def _township_names(rng, county: Region, n: int):
    """(code, name, 街道/镇/乡) for ``n`` townships of a county, in code order."""
    district = county.name.endswith("区")
    if county.code == "410105":
        streets = list(_JINSHUI_STREETS[:n])
        n_street = len(streets)
    else:
        streets = []
        n_street = n - (rng.random() < 0.3) if district else rng.randint(1, 3)
    if not district and county.name.endswith("县"):
        n_street = min(n_street, 2)
    n_street = min(n_street, n)
    n_town = (n - n_street) if district else max(0, round((n - n_street) * 0.65))
    used: set[str] = set()
    out = []
    for i in range(n):
        if i < n_street:
            kind, seq = "街道", 1 + i
            name = streets[i] if i < len(streets) else None
        elif i < n_street + n_town:
            kind, seq = "镇", 100 + i - n_street
            name = "城关镇" if (i == n_street and county.name.endswith("县")) else None
        else:
            kind, seq = "乡", 200 + i - n_street - n_town
            name = None
        while name is None or name in used:
            root = rng.choice(_STREET_ROOTS) if kind == "街道" else _place_root(rng)
            name = root + kind
        used.add(name)
        out.append((f"{county.code}{seq:03d}", name, kind))
    return out


def build_regions(b: DemoBuilder) -> None:
    """Province, cities, counties, townships and villages, with their GB/T 2260 codes."""
    rng = b.rng_regions
    province = Region(
        code=DEMO_PROVINCE_CODE,
        name="河南省",
        level=RegionLevel.PROVINCE,
        path=DEMO_PROVINCE_CODE + "/",
    )
    province.save()
    b.province = province
    cities, counties = [], []
    for code, name, _ in _CITIES:
        cities.append(
            Region(
                code=code,
                name=name,
                level=RegionLevel.CITY,
                parent=province,
                path=f"{province.path}{code}/",
            )
        )
    Region.objects.bulk_create(cities)
    for city, (_, _, county_list) in zip(cities, _CITIES, strict=True):
        for code, name in county_list:
            counties.append(
                Region(
                    code=code,
                    name=name,
                    level=RegionLevel.COUNTY,
                    parent=city,
                    path=f"{city.path}{code}/",
                )
            )
    Region.objects.bulk_create(counties)
    townships, kinds = [], {}
    for county in counties:
        n = rng.randint(7, 9)
        if b.scale < 1:
            n = max(1, round(n * b.scale))
        for code, name, kind in _township_names(rng, county, n):
            region = Region(
                code=code,
                name=name,
                level=RegionLevel.TOWNSHIP,
                parent=county,
                path=f"{county.path}{code}/",
            )
            townships.append(region)
            kinds[code] = kind
    Region.objects.bulk_create(townships)
    villages = []
    for township in townships:
        kind = kinds[township.code]
        n = rng.randint(2, 4)
        used: set[str] = set()
        n_comm = {"街道": n, "镇": rng.randint(0, 1), "乡": 0}[kind]
        for i in range(n):
            community = i < n_comm
            while True:
                name = (
                    (rng.choice(_COMMUNITY_ROOTS) + "社区")
                    if community
                    else _village_name(rng)
                )
                if name not in used:
                    used.add(name)
                    break
            seq = (1 + i) if community else (200 + i - n_comm + 1)
            code = f"{township.code}{seq:03d}"
            villages.append(
                Region(
                    code=code,
                    name=name,
                    level=RegionLevel.VILLAGE,
                    parent=township,
                    path=f"{township.path}{code}/",
                )
            )
    Region.objects.bulk_create(villages, batch_size=1000)
    b.cities, b.counties = cities, counties
    b.townships, b.township_kind, b.villages = townships, kinds, villages
    b.counts.update(
        regions=1 + len(cities) + len(counties) + len(townships) + len(villages),
        cities=len(cities),
        counties=len(counties),
        townships=len(townships),
        villages=len(villages),
    )
    b.log(
        f"生成行政区划：省 1、市 {len(cities)}、县(市、区) {len(counties)}、"
        f"乡镇(街道) {len(townships)}、村(社区) {len(villages)}（{b.elapsed()}）"
    )
