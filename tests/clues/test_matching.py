"""Tests for xietong.clues.matching (pure Python; no database).

Run alone with:  python -m pytest tests/clues/test_matching.py -q -s
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xietong.clues import matching as mt
from xietong.clues.matching import (
    ClueFeatures,
    Match,
    lookup_keys,
    normalize,
    rank_related,
    score_pair,
    shared_phrases,
    shingles,
    signature_keys,
    text_similarity,
)

from . import paraphrases as P

# ------------------------------------------------------------------------------ helpers


def _h(s: str) -> str:
    return hashlib.blake2b(s.encode(), digest_size=16, key=b"test-pepper").hexdigest()


def features(c: P.LabelledClue) -> ClueFeatures:
    hashes, name_units, labels = set(), set(), []
    for s in c.subjects:
        p = P.PERSONS[s.person]
        name_units.add((p.name, s.unit or p.unit))
        if s.with_id:
            hashes.add(_h(p.id_number))
            labels.append((_h(p.id_number), p.name))
    return ClueFeatures(
        number=c.number,
        unit=c.unit,
        text=c.text,
        person_hashes=frozenset(hashes),
        person_name_units=frozenset(name_units),
        attachment_hashes=frozenset(c.attachments),
        person_labels=tuple(labels),
    )


def evaluate(clues: list[P.LabelledClue], *, pool: list[P.LabelledClue] | None = None):
    """Precision/recall of rank_related over ordered pairs (query in ``clues``,
    candidates from ``pool``), with per-category recall."""
    pool = pool if pool is not None else P.all_clues()
    feats = {c.number: features(c) for c in pool}
    tp = fp = fn = 0
    by_cat = defaultdict(lambda: [0, 0])  # category → [found, total]
    errors = []
    for q in clues:
        listed = {
            m.number for m in rank_related(feats[q.number], feats.values(), limit=50)
        }
        for c in pool:
            if c.number == q.number:
                continue
            rel = P.relation(q, c)
            got = c.number in listed
            if rel:
                by_cat[rel][1] += 1
                by_cat[rel][0] += got
                if got:
                    tp += 1
                else:
                    fn += 1
                    errors.append(("FN", rel, q.number, c.number))
            elif got:
                fp += 1
                errors.append(("FP", None, q.number, c.number))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, dict(by_cat), errors


def _subset(keys: set[str]) -> list[P.LabelledClue]:
    return [c for m in P.MATTERS if m.key in keys for c in m.clues]


# ------------------------------------------------------------------------------ normalize


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ＡＢＣ１２３，　测试！", "abc123测试"),
        ("二十万元", "20万"),
        ("20万块钱", "20万"),
        ("200000元", "20万"),
        ("二十三万五千元", "23.5万"),
        ("十多万元", "10万"),
        ("1.5万元", "1.5万"),
        ("三千五百元", "3500元"),
        ("两千块", "2000元"),
        ("二〇二三年", "2023年"),
        ("三年", "3年"),
        ("一把手", "一把手"),  # not a number
        ("三重一大", "三重一大"),
        ("王某某", "王某"),
        ("王××", "王某"),
    ],
)
def test_normalize_numbers_and_width(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "variants, canonical",
    [
        (["收取", "索要", "接受", "收受"], "收受"),
        (["好处费", "红包", "礼金", "回扣", "贿赂"], "贿赂"),
        (["违反规定", "违规"], "违规"),
        (["大吃大喝", "公款宴请", "公款吃喝"], "公款吃喝"),
        (["私用公车", "开公车办私事", "公车私用"], "公车私用"),
        (["最低生活保障", "低保"], "低保"),
        (["骗取", "冒领", "套取"], "套取"),
        (["村党支部书记", "村书记", "村支书"], "村支书"),
        (["乡长", "镇长"], "镇长"),
        (["工程", "项目"], "工程"),
        (["包工头", "承包商", "老板"], "老板"),
        (["亲戚", "家属", "亲属"], "亲属"),
    ],
)
def test_synonyms_map_to_canonical(variants, canonical):
    for v in variants:
        assert normalize(v) == canonical, v


def test_synonym_dictionary_size_is_curated():
    mapping, _ = mt._synonyms()
    assert 100 <= len(set(mapping)) <= 600


def test_normalize_sentence():
    assert (
        normalize("村书记王某某收取包工头红包二十万元！")
        == "村支书王某收受老板贿赂20万"
    )


# ------------------------------------------------------------------------------ shingles


def test_shingles_skip_boilerplate():
    s = shingles("举报反映存在问题情况")
    assert s == set()
    s = shingles("举报张三收受红包", n=2)
    assert "张三" in s and "举报" not in s and "报张" not in s


def test_shingles_ngram_sizes():
    assert shingles("张三李四", n=3) == {"张三李", "三李四"}
    assert shingles("张三李四", n=(2, 3)) >= {"张三", "张三李"}


def test_shingles_do_not_cross_punctuation():
    assert "三李" not in shingles("张三，李四")


# ------------------------------------------------------------------------------ shared phrases


def test_shared_phrases_longest_first_mapped_to_original():
    a = "李家村村支书王军挪用扶贫资金三十万元修建村委办公楼"
    b = "反映王军（李家村党支部书记）把30万扶贫款拿去新建村部办公楼"
    phrases = shared_phrases(a, b)
    assert phrases == sorted(phrases, key=len, reverse=True)
    for p in phrases:
        assert p in a  # spans of the original text
    assert "修建村委办公楼" in phrases
    assert "三十万元" in phrases  # 三十万元 ≡ 30万


def test_shared_phrases_no_overlap_and_no_boilerplate():
    a = "举报反映存在问题，张三收受红包"
    b = "张三收受红包，反映存在问题"
    phrases = shared_phrases(a, b)
    assert phrases == ["张三收受红包"]
    spans = mt.shared_phrase_spans(a, b)
    for (s1, e1), (s2, e2) in zip(spans, spans[1:], strict=False):
        assert e1 <= s2 or e2 <= s1


# ------------------------------------------------------------------------------ signatures


def test_signature_keys_deterministic_and_shaped():
    t = "金水区教育局局长张三收受包工头好处费二十万元"
    k1 = signature_keys(t)
    assert k1 == signature_keys(t)
    assert 0 < len(k1) <= mt.SIGNATURE_KEYS
    assert len(set(k1)) == len(k1) and k1 == sorted(k1)
    assert all(0 <= k < 2**63 for k in k1)  # fits a signed BIGINT
    # the keys are the content shingles' (names, places, amounts), not boilerplate
    assert mt._key("张三") in k1 and mt._key("20万") in k1
    assert mt._key("举报") not in k1
    assert set(k1) <= set(lookup_keys(t))
    # normalisation-invariant: full-width, synonyms, number forms
    assert signature_keys("金水区教育局局长张三收取承包商红包20万元") == signature_keys(
        "金水区教育局局长张三收受老板贿赂二十万元"
    )
    assert signature_keys("") == [] and lookup_keys("") == []


def test_long_texts_keep_a_bottom_k_sample():
    long_text = "，".join(P.all_clues()[i].text for i in range(12))
    stored, looked = signature_keys(long_text), lookup_keys(long_text)
    assert len(stored) == mt.SIGNATURE_KEYS and len(looked) == mt.LOOKUP_KEYS
    everything = sorted(mt._content_keys(long_text))
    assert stored == everything[: mt.SIGNATURE_KEYS]
    assert looked == everything[: mt.LOOKUP_KEYS]


def test_trie_regex_finds_what_the_longest_first_alternation_finds():
    stop, generic, _, _ = mt._word_lists()
    words = sorted(stop | generic | set(mt._synonyms()[0]))
    plain = re.compile(
        "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    )
    trie = mt._trie_regex(words)
    rnd = random.Random(5)
    chars = sorted(set("".join(words))) + list("，。 12")
    for _ in range(2000):
        t = "".join(
            rnd.choice(words) if rnd.random() < 0.4 else rnd.choice(chars)
            for _ in range(rnd.randint(0, 15))
        )
        assert [m.span() for m in trie.finditer(t)] == [
            m.span() for m in plain.finditer(t)
        ], t


def test_fast_text_path_equals_the_mapped_analysis():
    """normalize/_profile use a fast path without the map back to the original text;
    it must give exactly the text of the mapped analysis used for highlighting."""
    rnd = random.Random(11)
    alphabet = list(
        "张王李村镇局长支书收受红包工程低保资金挪用修建办公楼万元二十三扶贫"
        ".。，,  \t1234５６某××*＊x年月日多余块钱一把手十分千百两〇⒈①²ﬁÅ"
    )
    stop, generic, _, _ = mt._word_lists()
    words = sorted(stop | generic | set(mt._synonyms()[0]))
    texts = [c.text for c in P.all_clues()]
    for _ in range(3000):
        parts = [
            rnd.choice(words)
            if rnd.random() < 0.5
            else "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 4)))
            for _ in range(rnd.randint(0, 12))
        ]
        texts.append("".join(parts))
    for t in texts:
        assert mt._canon_text(t, True) == mt._analyse_raw(t, True).text, t
        assert mt._canon_text(t, False) == mt._analyse_raw(t, False).text, t


# ------------------------------------------------------------------------------ properties

_segment = st.text(
    alphabet=st.sampled_from(
        list("张王李村镇局长支书收受红包工程低保资金挪用修建办公楼万元二十三扶贫")
    ),
    min_size=2,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_similarity_symmetric_and_bounded(a, b):
    s1, s2 = text_similarity(a, b), text_similarity(b, a)
    assert 0.0 <= s1 <= 1.0
    assert s1 == pytest.approx(s2)


@settings(max_examples=100, deadline=None)
@given(st.lists(_segment, min_size=1, max_size=5))
def test_identical_text_scores_one(segs):
    t = "，".join(segs)
    if shingles(t, n=(2, 3)):
        assert text_similarity(t, t) == 1.0
        assert text_similarity(t, "  " + t + "。") == pytest.approx(1.0)


@settings(max_examples=100, deadline=None)
@given(st.lists(_segment, min_size=3, max_size=6, unique=True), st.randoms())
def test_clause_order_shuffle_keeps_similarity_high(segs, rnd):
    a = "，".join(segs)
    shuffled = list(segs)
    rnd.shuffle(shuffled)
    b = "；".join(shuffled)
    if len(shingles(a, n=(2, 3))) >= 3:
        assert text_similarity(a, b) >= 0.85


# ------------------------------------------------------------------------------ scoring


def test_reasons_and_ranking_same_person_same_matter_first():
    pool = {c.number: features(c) for c in P.all_clues()}
    q = pool["XT-2024-0001"]  # 张三 收受好处费
    ranked = rank_related(q, pool.values())
    numbers = [m.number for m in ranked]
    assert numbers[:2] == ["XT-2024-0002", "XT-2024-0003"] or set(numbers[:2]) == {
        "XT-2024-0002",
        "XT-2024-0003",
    }
    # same person, different matter (公车私用) listed, but below the same matter
    assert "XT-2024-0004" in numbers
    assert numbers.index("XT-2024-0004") > numbers.index("XT-2024-0003")
    top = ranked[0]
    assert any(r.startswith("同一身份证号码：张三") for r in top.reasons)
    assert any(r.startswith("内容相似（") and "共同表述“" in r for r in top.reasons)
    assert ranked == sorted(ranked, key=lambda m: (-m.score, m.number))


def test_name_unit_and_attachment_reasons():
    a = ClueFeatures(
        "A",
        "u",
        "张三收受红包",
        frozenset(),
        frozenset({("张三", "金水区教育局")}),
        frozenset({"sha256:1"}),
    )
    b = ClueFeatures(
        "B",
        "u",
        "李四公车私用",
        frozenset(),
        frozenset({("张三", "金水区教育局")}),
        frozenset({"sha256:1"}),
    )
    m = score_pair(a, b)
    assert isinstance(m, Match)
    assert "同名同单位：张三（金水区教育局）" in m.reasons
    assert "附件相同" in m.reasons
    assert 0 < m.score <= 1
    assert m.as_dict()["number"] == "B"
    # with the file names known, the reason names the query clue's own file
    named_a = ClueFeatures(
        "A",
        "u",
        "张三收受红包",
        attachment_hashes=frozenset({"sha256:1", "sha256:2"}),
        attachment_labels=(("sha256:1", "转账记录.pdf"), ("sha256:2", "照片.jpg")),
    )
    named_b = ClueFeatures(
        "B",
        "u",
        "李四公车私用",
        attachment_hashes=frozenset({"sha256:1", "sha256:2"}),
        attachment_labels=(("sha256:1", "流水.pdf"),),
    )
    m = score_pair(named_a, named_b)
    assert "附件相同（2个，文件名：照片.jpg、转账记录.pdf）" in m.reasons
    assert m.score >= mt.W_ATTACHMENT


def test_joint_accused_same_matter_listed_by_text():
    pool = {c.number: features(c) for c in P.all_clues()}
    m = score_pair(pool["XT-2024-0010"], pool["XT-2024-0011"])  # 王军 vs 李国华
    assert m is not None and any(r.startswith("内容相似") for r in m.reasons)


def test_self_and_unrelated_not_listed():
    pool = {c.number: features(c) for c in P.all_clues()}
    assert score_pair(pool["XT-2024-0001"], pool["XT-2024-0001"]) is None
    assert (
        score_pair(pool["XT-2024-0006"], pool["XT-2024-0202"]) is None
    )  # two 低保 cases


# ------------------------------------------------------------------------------ evaluation


def _report(title, precision, recall, by_cat, errors):
    print(f"\n[{title}] precision={precision:.3f} recall={recall:.3f}")
    for cat, (found, total) in sorted(by_cat.items()):
        print(f"    recall {cat:<12} {found}/{total} = {found / total:.3f}")
    for e in errors:
        print("    ", e)


def test_evaluation_precision_recall():
    tuning = _subset(P.TUNING)
    held = _subset(P.HELD_OUT)
    extra = [c for m in P.SAME_PERSON_EXTRA + P.NEGATIVES for c in m.clues]
    p_all, r_all, cat_all, err_all = evaluate(P.all_clues())
    p_t, r_t, cat_t, err_t = evaluate(tuning)
    p_h, r_h, cat_h, err_h = evaluate(held)
    p_x, r_x, cat_x, err_x = evaluate(extra)
    _report("tuning half (queries m01–m17)", p_t, r_t, cat_t, err_t)
    _report("held-out half (queries m18–m34)", p_h, r_h, cat_h, err_h)
    _report("extra queries (same person / negatives)", p_x, r_x, cat_x, err_x)
    _report("ALL", p_all, r_all, cat_all, [])
    assert p_all >= 0.9
    assert r_all >= 0.9


def test_text_alone_does_not_join_same_kind_different_person():
    """Hard negatives: same kind of matter, another person and place."""
    feats = {c.number: features(c) for c in P.all_clues()}
    pairs = [
        ("XT-2024-0006", "XT-2024-0202"),
        ("XT-2024-0006", "XT-2024-0013"),
        ("XT-2024-0010", "XT-2024-0203"),
        ("XT-2024-0001", "XT-2024-0204"),
        ("XT-2024-0031", "XT-2024-0205"),
        ("XT-2024-0027", "XT-2024-0084"),
    ]
    for a, b in pairs:
        assert score_pair(feats[a], feats[b]) is None, (
            a,
            b,
            score_pair(feats[a], feats[b]),
        )


# ------------------------------------------------------------------------------ LSH


_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞波斌宇浩凯鹏"
_PLACES = "东西南北上下前后大小新老高低长平安和兴隆丰盛福寿"
_PLACE2 = "庄村营屯集寨湾沟河坡岗店桥"
_TOWNS = [
    "城关镇",
    "新华街道",
    "龙泉乡",
    "白沙镇",
    "八岗镇",
    "张庄镇",
    "黄店镇",
    "姚桥乡",
    "郑庵镇",
]
_COUNTIES = [
    "荥阳市",
    "新郑市",
    "中牟县",
    "巩义市",
    "登封市",
    "新密市",
    "二七区",
    "惠济区",
    "上街区",
]
_BUREAUS = [
    "教育局",
    "民政局",
    "农业农村局",
    "住建局",
    "卫健委",
    "交通运输局",
    "自然资源局",
    "水利局",
    "城管局",
]
_TITLES_V = ["村支书", "村主任", "村会计", "村民小组长", "村党支部书记"]
_TITLES_B = ["局长", "副局长", "科长", "股长", "主任"]
_TEMPLATES = [
    "{place}{title}{name}把自己的{rel}违规纳入低保，每月领取低保金{amt}元。",
    "反映{place}{title}{name}挪用{fund}{amt}万元{use}。",
    "{unit}{title2}{name}收受{boss}{gift}{amt}万元，帮其承揽{project}。",
    "{unit}{name}经常开公车{private}，群众意见很大。",
    "{place}{title}{name}在{project}中虚报工程量，与{boss}私分工程款{amt}万元。",
    "{unit}{title2}{name}用公款在{hotel}宴请{guest}，费用{amt}万元以{fee}名义报销。",
    "{place}{title}{name}为{rel}办婚宴摆了{tables}桌，收受礼金。",
    "{place}{title}{name}截留村民征地补偿款，每亩扣{amt}元。",
    "{unit}{name}对群众办理{biz}推诿扯皮，态度恶劣。",
    "{place}{title}{name}把村集体{asset}私自租给{boss}，租金去向不明。",
]


def _synthetic(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        name = (
            rnd.choice(_SURNAMES)
            + rnd.choice(_GIVEN)
            + (rnd.choice(_GIVEN) if rnd.random() < 0.5 else "")
        )
        village = rnd.choice(_PLACES) + rnd.choice(_PLACES) + rnd.choice(_PLACE2)
        place = rnd.choice(_COUNTIES) + rnd.choice(_TOWNS) + village
        unit = rnd.choice(_COUNTIES) + rnd.choice(_BUREAUS)
        out.append(
            rnd.choice(_TEMPLATES).format(
                place=place,
                name=name,
                unit=unit,
                title=rnd.choice(_TITLES_V),
                title2=rnd.choice(_TITLES_B),
                rel=rnd.choice(["弟弟", "侄子", "儿子", "亲戚", "小舅子", "女儿"]),
                amt=rnd.choice([rnd.randint(2, 99), rnd.randint(100, 9999)]),
                fund=rnd.choice(["扶贫资金", "村集体资金", "修路款", "项目资金"]),
                use=rnd.choice(
                    ["修建村委办公楼", "给自家盖房", "放高利贷", "买小轿车"]
                ),
                boss=rnd.choice(["包工头", "老板", "开发商", "承包商"]),
                gift=rnd.choice(["好处费", "红包", "购物卡", "回扣"]),
                project=rnd.choice(
                    [
                        "道路硬化工程",
                        "学校维修工程",
                        "污水管网工程",
                        "高标准农田项目",
                        "河道治理工程",
                    ]
                ),
                private=rnd.choice(["接送孩子", "回老家", "钓鱼", "办私事"]),
                hotel=rnd.choice(["农家乐", "大酒店", "会所", "单位食堂"]),
                guest=rnd.choice(["客人", "上级领导", "老板", "同学"]),
                fee=rnd.choice(["会议费", "培训费", "办公费"]),
                tables=rnd.randint(20, 80),
                biz=rnd.choice(
                    ["低保", "宅基地审批", "不动产登记", "营业执照", "医保报销"]
                ),
                asset=rnd.choice(["土地", "鱼塘", "厂房", "林地"]),
            )
        )
    return out


def test_text_index_recall_and_load():
    """A query's look-up keys meet the keys the other clue stored (both directions)."""
    clues = P.all_clues()
    stored = {c.number: set(signature_keys(c.text)) for c in clues}
    looked = {c.number: set(lookup_keys(c.text)) for c in clues}

    def found(a, b) -> bool:
        return bool(looked[a.number] & stored[b.number])

    # ground-truth *text* pairs: same matter (listing relies on text when no person is shared)
    pairs = [
        (a, b)
        for a in clues
        for b in clues
        if a is not b and P.relation(a, b) in ("same_matter", "joint")
    ]
    hit = sum(1 for a, b in pairs if found(a, b))
    recall = hit / len(pairs)
    # pairs the matcher lists on text evidence alone must be retrievable
    text_listed = []
    for a, b in pairs:
        fa, fb = features(a), features(b)
        if text_similarity(a.text, b.text) >= mt.TEXT_FLOOR + 0.1 and not (
            fa.person_hashes & fb.person_hashes
            or fa.person_name_units & fb.person_name_units
            or fa.attachment_hashes & fb.attachment_hashes
        ):
            text_listed.append((a, b))
    hit_text = sum(1 for a, b in text_listed if found(a, b))

    synthetic = _synthetic(10_000)
    index: dict[int, list[int]] = defaultdict(list)
    t0 = time.perf_counter()
    for i, t in enumerate(synthetic):
        for k in signature_keys(t):
            index[k].append(i)
    build = time.perf_counter() - t0
    # the look-up reads at most cap + 1 entries per key and skips keys over the cap
    cap = len(synthetic) // 100
    counts, rows = [], []
    for c in clues:
        cand, read = set(), 0
        for k in looked[c.number]:
            post = index.get(k, ())
            read += min(len(post), cap + 1)
            if len(post) <= cap:
                cand.update(post)
        counts.append(len(cand))
        rows.append(read)
    counts.sort()
    avg = sum(counts) / len(counts)
    p95 = counts[int(0.95 * (len(counts) - 1))]
    n_keys = sum(len(v) for v in index.values())
    print(
        f"\n[index] keys={mt.SIGNATURE_KEYS}/{mt.LOOKUP_KEYS}: same-matter pairs found "
        f"{hit}/{len(pairs)} = {recall:.3f}; text-only pairs {hit_text}/{len(text_listed)}; "
        f"among 10,000 synthetic (cap {cap}): candidates avg {avg:.1f}, p95 {p95}, "
        f"max {counts[-1]}; rows read avg {sum(rows) / len(rows):.0f}; "
        f"keys stored {n_keys / len(synthetic):.1f}/clue; "
        f"signature time {build / len(synthetic) * 1e6:.0f} µs/clue"
    )
    assert hit_text == len(text_listed)
    assert recall >= 0.95
    assert avg <= 200  # ≤ 2 % of the corpus, before the ranking keeps the best few


def test_score_pair_speed():
    feats = [features(c) for c in P.all_clues()]
    for a in (
        feats
    ):  # warm the per-text caches, as a service would with precomputed profiles
        for b in feats:
            score_pair(a, b)
    t0 = time.perf_counter()
    n = 0
    for a in feats:
        for b in feats:
            score_pair(a, b)
            n += 1
    dt = (time.perf_counter() - t0) / n
    mt._profile.cache_clear()
    mt._analyse.cache_clear()
    t0 = time.perf_counter()
    for b in feats:
        score_pair(feats[0], b)
    cold = (time.perf_counter() - t0) / len(feats)
    print(
        f"\n[speed] score_pair warm {dt * 1e6:.0f} µs/pair, cold {cold * 1e6:.0f} µs/pair"
    )
    assert dt < 0.002
