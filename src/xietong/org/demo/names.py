"""Chinese personal names for the demo province: surnames by frequency, given names."""

from __future__ import annotations

import random

# Common surnames with rough relative frequencies (per 10,000; Henan leans to 王李张刘).
# fmt: off
_SURNAMES = (
    ("王", 780), ("李", 760), ("张", 740), ("刘", 560), ("陈", 420), ("杨", 310),
    ("黄", 180), ("赵", 230), ("吴", 170), ("周", 170), ("徐", 130), ("孙", 140),
    ("马", 140), ("朱", 110), ("胡", 100), ("郭", 130), ("何", 80), ("高", 110),
    ("林", 60), ("罗", 60), ("郑", 70), ("梁", 60), ("谢", 50), ("宋", 70), ("唐", 50),
    ("许", 60), ("韩", 60), ("冯", 60), ("邓", 45), ("曹", 55), ("彭", 40), ("曾", 30),
    ("肖", 40), ("田", 50), ("董", 50), ("袁", 45), ("潘", 30), ("于", 45), ("蒋", 30),
    ("蔡", 35), ("余", 30), ("杜", 40), ("叶", 25), ("程", 40), ("苏", 35), ("魏", 45),
    ("吕", 35), ("丁", 35), ("任", 35), ("沈", 25), ("姚", 30), ("卢", 25), ("姜", 25),
    ("崔", 30), ("钟", 15), ("谭", 15), ("陆", 15), ("汪", 15), ("范", 30), ("金", 15),
    ("石", 25), ("廖", 10), ("贾", 35), ("夏", 15), ("韦", 10), ("付", 25), ("方", 15),
    ("白", 20), ("邹", 10), ("孟", 25), ("熊", 10), ("秦", 20), ("邱", 10), ("江", 10),
    ("尹", 15), ("薛", 20), ("闫", 25), ("段", 15), ("雷", 15), ("侯", 20), ("龙", 8),
    ("史", 15), ("陶", 8), ("黎", 5), ("贺", 12), ("顾", 6), ("毛", 12), ("郝", 15),
    ("龚", 5), ("邵", 8), ("万", 8), ("钱", 5), ("严", 5), ("覃", 2), ("武", 15), ("戴", 6),
    ("莫", 3), ("孔", 10), ("向", 4), ("汤", 6), ("常", 15), ("牛", 12), ("申", 8),
    ("乔", 8), ("岳", 8), ("耿", 8), ("司马", 1), ("欧阳", 1), ("上官", 1), ("皇甫", 1),
)
# fmt: on
_SURNAME_LIST = tuple(s for s, _ in _SURNAMES)
_SURNAME_CUM = tuple(
    sum(w for _, w in _SURNAMES[: i + 1]) for i in range(len(_SURNAMES))
)
_MALE_FIRST = "建志国永海明俊文晓新德振红春宏军立天子宇浩嘉伟家金玉长双广学"
_MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健亮峰俊浩志东海林新文卫民永宏振兴庆松晨阳宇"
    "博凯旭龙坤帅彬立锋毅成福贵祥瑞德胜利全安广杰"
)
_FEMALE_FIRST = "晓丽秀玉春红雪海静美慧淑雅文佳欣思梦小亚彩金"
_FEMALE_CHARS = (
    "丽静敏燕艳娟霞芳娜丹玲萍红玉兰英梅莉婷雪慧颖琳倩洁琴云莹晶佳欣怡璐蕾瑶月秀华凤薇媛"
)


def random_surname(rng: random.Random) -> str:
    """A surname drawn by its frequency."""
    return rng.choices(_SURNAME_LIST, cum_weights=_SURNAME_CUM)[0]


def random_given_name(rng: random.Random, male: bool) -> str:
    """A one- or two-character given name typical of the gender."""
    first, chars = (
        (_MALE_FIRST, _MALE_CHARS) if male else (_FEMALE_FIRST, _FEMALE_CHARS)
    )
    if rng.random() < 0.28:
        return rng.choice(chars)
    a, b = rng.choice(first), rng.choice(chars)
    return a + (b if b != a else rng.choice(chars))


def random_name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    """A full name; ``surname`` if given, else a random one."""
    return (surname or random_surname(rng)) + random_given_name(rng, male)


def other_surname(rng: random.Random, surname: str) -> str:
    """A random surname different from ``surname``."""
    while True:
        other = random_surname(rng)
        if other != surname:
            return other
