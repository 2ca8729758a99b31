"""Related-clue matching: which existing clues concern the same person or the same matter.

Pure Python, standard library only (no Django): the services layer builds
:class:`ClueFeatures` from the database and calls :func:`rank_related`.

Pipeline for the text part::

    原文 ──normalize──▶ 规范文本 (NFKC, 全角→半角, 去标点, 数字规范化, 同义词归一)
         ──shingles──▶  2/3 字片段集合 (套话作分隔符；领域通用词低权重)
         ──signature_keys──▶ 索引键 (内容片段的 blake2b 键，最多 48 个：取最小者)
         ──lookup_keys──▶   查询键 (最多 64 个) 命中他条线索存下的键 → 候选（等值索引）
         ──text_similarity──▶ 0..1 (max(加权 Jaccard, 加权包含度×饱和系数))

The normalised text keeps a map back to the original characters, so
:func:`shared_phrases` can return spans of the original text for highlighting.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ClueFeatures",
    "Match",
    "normalize",
    "shingles",
    "shingle_weights",
    "signature_keys",
    "text_similarity",
    "shared_phrases",
    "shared_phrase_spans",
    "score_pair",
    "rank_related",
    "LIST_THRESHOLD",
    "lookup_keys",
    "key_of",
    "SIGNATURE_KEYS",
    "LOOKUP_KEYS",
]

DATA_DIR = Path(__file__).with_name("data")

# --------------------------------------------------------------------------------------
# Tunables (documented in the report; change together with the evaluation test)
# --------------------------------------------------------------------------------------
#: A candidate is listed when its combined score reaches this value.
LIST_THRESHOLD = 0.5
#: Text similarity below this contributes nothing (avoids "everything is a bit similar").
TEXT_FLOOR = 0.2
#: Text evidence = (similarity − TEXT_FLOOR) / TEXT_SPAN, capped at 0.95.
TEXT_SPAN = 0.5
#: A subject of one clue is named in the other's text (not enough alone to be listed).
W_MENTION = 0.35
#: Weight of a shingle made only of generic domain vocabulary (低保, 违规, 村支书 …).
GENERIC_WEIGHT = 0.25
#: Saturation constant for containment: containment counts fully only when the shared
#: part carries enough weight (a one-line generic complaint is "contained" in everything).
CONTAINMENT_SATURATION = 4.0
#: Signal strengths combined by noisy-OR.
W_ID = 0.8
W_NAME_UNIT = 0.75
W_ATTACHMENT = 0.85
#: Multiplier on text evidence when both clues name people, none in common, and neither
#: text mentions the other's people (same kind of matter, different person/place).
DIFFERENT_PERSON_FACTOR = 0.7
#: Text index: a clue stores at most this many of its content shingles (all of them in a
#: usual clue; a bottom-k sample of a long one) …
SIGNATURE_KEYS = 48
#: … and a query looks up at most this many of its own.
LOOKUP_KEYS = 64

SEP = "\x00"  # clause / stopword boundary inside the analysed text

# --------------------------------------------------------------------------------------
# Dictionaries
# --------------------------------------------------------------------------------------


def _read_lines(name: str) -> list[str]:
    out = []
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def _trie_regex(words: Iterable[str]) -> re.Pattern:
    """One regex matching the longest of ``words`` at each position, like the alternation
    sorted longest first, but branching on each character instead of trying every word
    (a few hundred words: several times faster)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        ends = "" in node
        branches = [
            re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:  # the word may end here: try the longer ones first (greedy)
            body = f"(?:{body})?"
        return body

    return re.compile(build(trie))


@functools.lru_cache(maxsize=1)
def _synonyms() -> tuple[dict[str, str], re.Pattern | None]:
    mapping: dict[str, str] = {}
    for line in _read_lines("synonyms.txt"):
        canon, _, rest = line.partition(":")
        canon = canon.strip()
        for variant in [canon, *rest.split()]:
            variant = unicodedata.normalize("NFKC", variant).lower()
            if variant:
                mapping.setdefault(variant, canon)
    return mapping, (_trie_regex(mapping) if mapping else None)


@functools.lru_cache(maxsize=1)
def _word_lists() -> tuple[frozenset[str], frozenset[str], re.Pattern, re.Pattern]:
    sections: dict[str, list[str]] = {"stop": [], "generic": []}
    current = "stop"
    for line in _read_lines("stopwords.txt"):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        sections.setdefault(current, []).extend(line.split())
    mapping, _ = _synonyms()

    def canon(words: Iterable[str]) -> frozenset[str]:
        out = set()
        for w in words:
            a = _analyse_raw(w, split_stop=False)
            out.add(a.text.replace(SEP, ""))
        return frozenset(x for x in out if x)

    stop = canon(sections["stop"])
    generic = canon(sections["generic"]) | frozenset(mapping.values())
    # protected words are matched too (and left alone) so that 一把手 is not cut at 把
    protected = (generic | frozenset(mapping)) - stop
    return stop, generic, _trie_regex(stop | protected), _trie_regex(generic)


# --------------------------------------------------------------------------------------
# Normalisation with a map back to the original text
# --------------------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000, "x": 1}
_MEASURES = "年月日天次个人户名套辆亩间台笔家岁吨张处栋项"

_NUM_RE = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*)"
    r"(?P<approx1>[余多])?"
    r"(?P<mag>[万亿])?"
    r"(?P<approx2>[余多])?"
    r"(?P<cur>块钱|元钱|块|元)?"
)
_ANON_RE = re.compile(r"(?<=[\u4e00-\u9fff])(?:某某|某|[x×*]{1,3})")


def _cn_small(s: str) -> int | None:
    """Below 10 000: 三千五百 / 三千五 / 二十三 / 十五 / 二〇二三 (digit by digit)."""
    if not s:
        return 0
    if not any(c in _CN_UNITS for c in s):
        try:
            return int("".join(str(_CN_DIGITS[c]) for c in s))
        except KeyError:
            return None
    total, digit = 0, None
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[c]
            digit = None
        else:
            return None
    if digit is not None:
        if len(s) >= 2 and s[-2] in _CN_UNITS and s[-2] != "十":
            total += digit * _CN_UNITS[s[-2]] // 10  # 三千五 → 3500
        else:
            total += digit
    return total


def _cn_to_int(s: str) -> int | None:
    total = 0
    for big, factor in (("亿", 100_000_000), ("万", 10_000)):
        if big in s:
            head, _, s = s.partition(big)
            v = _cn_small(head) if head else 1
            if v is None:
                return None
            total += v * factor
    v = _cn_small(s)
    if v is None:
        return None
    return total + v


def _fmt(v: float) -> str:
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return s or "0"


def _number_repl(m: re.Match) -> str | None:
    num, mag, cur = m.group("num"), m.group("mag"), m.group("cur")
    end = m.end()
    following = m.string[end : end + 1]
    if num[0].isdigit():
        value: float = float(num)
        chinese = False
    else:
        iv = _cn_to_int(num)
        if iv is None:
            return None
        value, chinese = iv, True
        if "万" in num or "亿" in num:
            mag = mag or "x"
    if mag in _CN_BIG:
        value *= _CN_BIG[mag]
    if mag or cur:
        if value >= 10_000:
            return _fmt(value / 10_000) + "万"
        return _fmt(value) + "元"
    if chinese:
        if following and following in _MEASURES:
            return _fmt(value)
        return None  # 一把手, 三重一大, 十分 … stay as they are
    return None


@dataclass(frozen=True)
class _Analysed:
    text: str  # normalised, SEP at clause/stopword boundaries
    starts: tuple[int, ...]  # original start index per character
    ends: tuple[int, ...]  # original end index (exclusive) per character


def _sub(chars: list[str], starts: list[int], ends: list[int], pattern: re.Pattern, fn):
    """Regex replacement on a mapped string; replacement chars map to the whole match."""
    s = "".join(chars)
    out_c: list[str] = []
    out_s: list[int] = []
    out_e: list[int] = []
    pos = 0
    for m in pattern.finditer(s):
        if m.start() == m.end():
            continue
        repl = fn(m)
        if repl is None:
            continue
        out_c.extend(chars[pos : m.start()])
        out_s.extend(starts[pos : m.start()])
        out_e.extend(ends[pos : m.start()])
        a, b = starts[m.start()], ends[m.end() - 1]
        out_c.extend(repl)
        out_s.extend([a] * len(repl))
        out_e.extend([b] * len(repl))
        pos = m.end()
    out_c.extend(chars[pos:])
    out_s.extend(starts[pos:])
    out_e.extend(ends[pos:])
    return out_c, out_s, out_e


def _analyse_raw(text: str, split_stop: bool = True) -> _Analysed:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text or ""):
        for c in unicodedata.normalize("NFKC", ch).lower():
            if c in "×*＊":
                chars.append("×")
            elif c == "." and chars and chars[-1].isdigit():
                chars.append(".")
            elif c.isalnum() or "\u4e00" <= c <= "\u9fff":
                chars.append(c)
            else:  # punctuation, symbols, whitespace, controls → boundary
                if chars and chars[-1] == SEP:
                    ends[-1] = i + 1
                    continue
                chars.append(SEP)
            starts.append(i)
            ends.append(i + 1)
    chars, starts, ends = _sub(chars, starts, ends, _ANON_RE, lambda m: "某")
    chars, starts, ends = _sub(chars, starts, ends, _NUM_RE, _number_repl)
    mapping, syn_re = _synonyms()
    if syn_re is not None:
        chars, starts, ends = _sub(
            chars, starts, ends, syn_re, lambda m: mapping[m.group(0)]
        )
    chars = [
        SEP
        if c == "."
        and not (
            0 < k < len(chars) - 1 and chars[k - 1].isdigit() and chars[k + 1].isdigit()
        )
        else c
        for k, c in enumerate(chars)
    ]
    if split_stop:
        stop, _, stop_re, _ = _word_lists()
        chars, starts, ends = _sub(
            chars, starts, ends, stop_re, lambda m: SEP if m.group(0) in stop else None
        )
    # collapse separators
    c2, s2, e2 = [], [], []
    for c, a, b in zip(chars, starts, ends, strict=True):
        if c == SEP and (not c2 or c2[-1] == SEP):
            continue
        c2.append(c)
        s2.append(a)
        e2.append(b)
    while c2 and c2[-1] == SEP:
        c2.pop(), s2.pop(), e2.pop()
    return _Analysed("".join(c2), tuple(s2), tuple(e2))


@functools.lru_cache(maxsize=2048)
def _analyse(text: str) -> _Analysed:
    return _analyse_raw(text, split_stop=True)


# The same text as ``_analyse_raw(...).text`` without the map back to the original (which
# only highlighting needs): whole-string regex passes, several times faster. A test holds
# the two equal.


def _fold_char(ch: str) -> str:
    out = []
    for c in unicodedata.normalize("NFKC", ch).lower():
        if c in "×*＊":
            out.append("×")
        elif c == "." or c.isalnum() or "\u4e00" <= c <= "\u9fff":
            out.append(c)
        else:
            out.append(SEP)
    return "".join(out)


class _FoldTable(dict):
    """``str.translate`` table folding each character on first sight."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < 200_000:
            self[code] = folded
        return folded


_FOLD = _FoldTable()
_SEP_RUN = re.compile(SEP + "+")


def _dots(s: str, *, between_digits: bool) -> str:
    """A "." stays only after a digit (and, with ``between_digits``, before one too)."""
    out = list(s)
    n = len(out)
    for k, c in enumerate(s):
        if c != ".":
            continue
        keep = k > 0 and s[k - 1].isdigit()
        if between_digits:
            keep = keep and k < n - 1 and s[k + 1].isdigit()
        if not keep:
            out[k] = SEP
    return "".join(out)


def _number_sub(m: re.Match) -> str:
    repl = _number_repl(m)
    return m.group(0) if repl is None else repl


@functools.lru_cache(maxsize=16384)
def _canon_base(text: str) -> str:
    """Everything but the boilerplate split: what ``normalize`` and the analysis share."""
    s = (text or "").translate(_FOLD)
    if "." in s:
        s = _dots(s, between_digits=False)
    s = _SEP_RUN.sub(SEP, s)
    s = _ANON_RE.sub("某", s)
    s = _NUM_RE.sub(_number_sub, s)
    mapping, syn_re = _synonyms()
    if syn_re is not None:
        s = syn_re.sub(lambda m: mapping[m.group(0)], s)
    if "." in s:
        s = _dots(s, between_digits=True)
    return s


def _canon_text(text: str, split_stop: bool) -> str:
    s = _canon_base(text)
    if split_stop:
        stop, _, stop_re, _ = _word_lists()
        s = stop_re.sub(lambda m: SEP if m.group(0) in stop else m.group(0), s)
    return _SEP_RUN.sub(SEP, s).strip(SEP)


@functools.lru_cache(maxsize=16384)
def _analysed_text(text: str) -> str:
    """``_analyse(text).text``, fast."""
    return _canon_text(text, split_stop=True)


@functools.lru_cache(maxsize=16384)
def normalize(text: str) -> str:
    """Canonical form used for comparison: NFKC, lower-case, no punctuation or spaces,
    Chinese numbers as digits (二十万元 → 20万), synonyms mapped to canonical terms.
    Boilerplate words (举报, 反映 …) are kept; they are only dropped when shingling."""
    return _canon_base(text).replace(SEP, "")


# --------------------------------------------------------------------------------------
# Shingles and weights
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    weights: Mapping[
        str, float
    ]  # shingle → default weight (1.0 content, GENERIC_WEIGHT generic)
    content: frozenset[str]  # shingles with full weight (names, places, specifics)
    total: float  # sum of the weights


def _segments(text: str) -> list[str]:
    return [s for s in _analysed_text(text).split(SEP) if s]


@functools.lru_cache(maxsize=16384)
def _profile(text: str) -> _Profile:
    _, generic, _, gen_re = _word_lists()
    # Every 2- and 3-gram of every segment, in order; a gram weighs 1.0 if any of its
    # occurrences is not wholly inside generic vocabulary, else GENERIC_WEIGHT. (Built
    # with comprehensions: this runs for every candidate of every related check.)
    order: list[str] = []
    full: set[str] = set()
    singles: list[str] = []
    for seg in _segments(text):
        n = len(seg)
        if n == 1:
            if seg not in generic:
                order.append(seg)
                singles.append(seg)
            continue
        g2 = [seg[i : i + 2] for i in range(n - 1)]
        g3 = [seg[i : i + 3] for i in range(n - 2)]
        order += g2
        order += g3
        spans = [m.span() for m in gen_re.finditer(seg)]
        if not spans:
            full.update(g2)
            full.update(g3)
            continue
        cov = bytearray(n)
        for a, b in spans:
            cov[a:b] = b"\x01" * (b - a)
        full.update(g for i, g in enumerate(g2) if not (cov[i] and cov[i + 1]))
        full.update(
            g for i, g in enumerate(g3) if not (cov[i] and cov[i + 1] and cov[i + 2])
        )
    weights = dict.fromkeys(order, GENERIC_WEIGHT)
    for g in full:
        weights[g] = 1.0
    for g in singles:
        if weights[g] == GENERIC_WEIGHT:
            weights[g] = 0.5
    return _Profile(weights, frozenset(full), sum(weights.values()))


def shingles(text: str, n: int | Sequence[int] = 2) -> set[str]:
    """Character n-grams of the normalised text, not crossing punctuation or boilerplate
    words (举报, 反映, 问题, 存在 …). ``n`` may be an int or a sequence such as (2, 3)."""
    ns = (n,) if isinstance(n, int) else tuple(n)
    out: set[str] = set()
    for seg in _segments(text):
        for k in ns:
            for i in range(len(seg) - k + 1):
                out.add(seg[i : i + k])
    return out


def shingle_weights(text: str) -> dict[str, float]:
    """2- and 3-grams with their default weights (generic domain vocabulary down-weighted)."""
    return dict(_profile(text).weights)


def _weights(text: str, idf: Mapping[str, float] | None) -> Mapping[str, float]:
    w = _profile(text).weights
    if not idf:
        return w
    default = idf.get("", 1.0) if hasattr(idf, "get") else 1.0
    return {g: v * idf.get(g, default) for g, v in w.items()}


# --------------------------------------------------------------------------------------
# Similarity
# --------------------------------------------------------------------------------------


def text_similarity(a: str, b: str, idf: Mapping[str, float] | None = None) -> float:
    """0..1; robust to word order (bag of shingles) and to extra detail (containment).

    ``max(weighted Jaccard, weighted containment of the lighter text × saturation)``.
    ``idf`` (shingle → factor) multiplies the default weights when given; the key ``""``
    is the factor for shingles not in the table (rare ones)."""
    if a == b:
        return 1.0 if _profile(a).weights else 0.0
    if idf:
        wa, wb = _weights(a, idf), _weights(b, idf)
        ta, tb = sum(wa.values()), sum(wb.values())
    else:
        pa, pb = _profile(a), _profile(b)
        wa, wb, ta, tb = pa.weights, pb.weights, pa.total, pb.total
    if not wa or not wb:
        return 0.0
    if len(wa) > len(wb):
        wa, wb, ta, tb = wb, wa, tb, ta
    inter = 0.0
    for g, w in wa.items():
        w2 = wb.get(g)
        if w2 is not None:
            inter += min(w, w2)
    if inter <= 0.0:
        return 0.0
    jac = inter / (ta + tb - inter)
    cont = inter / min(ta, tb)
    cont *= inter / (inter + CONTAINMENT_SATURATION)
    return max(0.0, min(1.0, max(jac, cont)))


def shared_phrase_spans(a: str, b: str, min_len: int = 3) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the original text ``a`` that have a normalised common
    substring in ``b``: maximal, longest first, non-overlapping, not boilerplate-only."""
    return [span for span, _ in _shared(a, b, min_len)]


def shared_phrases(a: str, b: str, min_len: int = 3) -> list[str]:
    """Maximal common phrases of ``a`` and ``b`` after normalisation, as written in ``a``
    (so synonyms still highlight: "收取好处费" in a matches "收受红包" in b)."""
    return [a[s:e] for (s, e), _ in _shared(a, b, min_len)]


def _shared(a: str, b: str, min_len: int) -> list[tuple[tuple[int, int], str]]:
    if min_len < 1:
        min_len = 1
    an = _analyse(a)  # with the map back to ``a``; ``b`` needs only its text
    x, y = an.text, _analysed_text(b)
    if len(x) < min_len or len(y) < min_len:
        return []
    index: dict[str, list[int]] = {}
    for j in range(len(y) - min_len + 1):
        g = y[j : j + min_len]
        if SEP not in g:
            index.setdefault(g, []).append(j)
    found: list[tuple[int, int, int]] = []  # (length, i, j)
    for i in range(len(x) - min_len + 1):
        g = x[i : i + min_len]
        js = index.get(g)
        if not js:
            continue
        for j in js:
            if i > 0 and j > 0 and x[i - 1] == y[j - 1] and x[i - 1] != SEP:
                continue  # not left-maximal: found from an earlier start
            k = min_len
            while (
                i + k < len(x)
                and j + k < len(y)
                and x[i + k] == y[j + k]
                and x[i + k] != SEP
            ):
                k += 1
            found.append((k, i, j))
    found.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_x = bytearray(len(x))
    used_y = bytearray(len(y))
    out: list[tuple[tuple[int, int], str]] = []
    _, generic, _, _ = _word_lists()
    for k, i, j in found:
        if any(used_x[i : i + k]) or any(used_y[j : j + k]):
            continue
        phrase = x[i : i + k]
        if phrase in generic and k < 4:
            continue  # a lone generic word (低保, 村支书) is not worth highlighting
        for t in range(i, i + k):
            used_x[t] = 1
        for t in range(j, j + k):
            used_y[t] = 1
        out.append(((an.starts[i], an.ends[i + k - 1]), phrase))
    out.sort(
        key=lambda t: (t[0][0] - t[0][1], t[0][0])
    )  # longest in the original first
    return out


# --------------------------------------------------------------------------------------
# LSH signature keys
# --------------------------------------------------------------------------------------


def _h64(s: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big"
    )


@functools.lru_cache(maxsize=1 << 16)  # shingles repeat: most keys are computed once
def _key(shingle: str) -> int:
    """A shingle's index key: 63 bits of its hash, so it fits a signed BIGINT."""
    return _h64(shingle) >> 1


def key_of(shingle: str) -> int:
    """The index key of one (normalised) shingle, e.g. a subject's name."""
    return _key(shingle)


@functools.lru_cache(maxsize=4096)
def _content_keys(text: str) -> tuple[int, ...]:
    prof = _profile(text)
    base = prof.content or frozenset(prof.weights)
    return tuple(sorted(_key(g) for g in base))


def signature_keys(text: str, limit: int = SIGNATURE_KEYS) -> list[int]:
    """The keys a clue stores: its content shingles (names, places, specifics; generic
    vocabulary only if nothing else), at most ``limit`` — the smallest keys, a bottom-k
    sample, so that two long texts about one matter keep many of the same shingles."""
    return list(_content_keys(text)[:limit])


def lookup_keys(text: str, limit: int = LOOKUP_KEYS) -> list[int]:
    """The keys to look up for ``text``: its content shingles, at most ``limit`` (the
    smallest: those the other clue's sample most likely kept)."""
    return list(_content_keys(text)[:limit])


# --------------------------------------------------------------------------------------
# Clue-level scoring
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClueFeatures:
    """What the matcher needs to know about one clue.

    ``person_hashes``: keyed hashes of the subjects' 公民身份号码 (never the numbers).
    ``person_name_units``: (name, unit name) of each subject as reported.
    ``person_labels``: optional (hash, display name) pairs, for the reason text only.
    ``attachment_hashes``: SHA-256 of the files on the clue and on its petition;
    ``attachment_labels``: optional (hash, file name) pairs, for the reason text only.
    """

    number: str
    unit: str
    text: str
    person_hashes: frozenset[str] = frozenset()
    person_name_units: frozenset[tuple[str, str]] = frozenset()
    attachment_hashes: frozenset[str] = frozenset()
    person_labels: tuple[tuple[str, str], ...] = field(default=())
    attachment_labels: tuple[tuple[str, str], ...] = field(default=())


@dataclass
class Match:
    number: str
    score: float
    reasons: list[str]

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
        }


def _norm_name(s: str) -> str:
    return normalize(s) if s else ""


def _names(f: ClueFeatures) -> set[str]:
    return {n for n, _ in f.person_name_units if n}


def _mentions(text: str, names: Iterable[str]) -> bool:
    t = normalize(text)
    for n in names:
        nn = _norm_name(n)
        if len(nn) >= 2 and nn in t:
            return True
    return False


def _attachment_reason(
    same: frozenset[str], query: ClueFeatures, candidate: ClueFeatures
) -> str:
    """附件相同（文件名：举报材料.pdf） — the file names as this clue has them."""
    names: dict[str, str] = {}
    for h, n in (*candidate.attachment_labels, *query.attachment_labels):
        if h in same and n:
            names[h] = n  # the query's own file name wins
    shown = sorted(set(names.values()))
    count = f"{len(same)}个" if len(same) > 1 else ""
    if not shown:
        return "附件相同" + (f"（{count}）" if count else "")
    listed = "、".join(shown[:3]) + ("等" if len(shown) > 3 else "")
    return f"附件相同（{count + '，' if count else ''}文件名：{listed}）"


@dataclass(frozen=True)
class _Similar:
    """The 内容相似 reason, written out (with the shared phrases) only for a listed pair."""

    sim: float


def _score(
    query: ClueFeatures, candidate: ClueFeatures, idf: Mapping[str, float] | None
) -> tuple[float, list] | None:
    """The combined score (noisy-OR of the signals) and the reasons; ``None`` if none."""
    if query.number == candidate.number:
        return None
    reasons: list = []
    signals: list[float] = []

    same_ids = query.person_hashes & candidate.person_hashes
    if same_ids:
        labels = dict(query.person_labels) | dict(candidate.person_labels)
        names = sorted({labels.get(h, "") for h in same_ids} - {""})
        reasons.append("同一身份证号码" + ("：" + "、".join(names) if names else ""))
        signals.append(W_ID)

    q_nu = {
        (_norm_name(n), _norm_name(u)): (n, u)
        for n, u in query.person_name_units
        if n and u
    }
    c_nu = {
        (_norm_name(n), _norm_name(u))
        for n, u in candidate.person_name_units
        if n and u
    }
    same_nu = [q_nu[k] for k in sorted(q_nu.keys() & c_nu)]
    if same_nu:
        labels = dict(query.person_labels) | dict(candidate.person_labels)
        id_names = {labels.get(h) for h in same_ids}
        extra = [(n, u) for n, u in same_nu if n not in id_names]
        if extra:
            reasons.append("同名同单位：" + "、".join(f"{n}（{u}）" for n, u in extra))
            if not same_ids:
                signals.append(W_NAME_UNIT)

    same_att = query.attachment_hashes & candidate.attachment_hashes
    if same_att:
        reasons.append(_attachment_reason(same_att, query, candidate))
        signals.append(W_ATTACHMENT)

    # a subject of one clue named in the other's text (joint accusations, unrecorded subjects)
    known = {n for n, _ in same_nu} | {
        dict(query.person_labels).get(h) or dict(candidate.person_labels).get(h)
        for h in same_ids
    }
    mentioned = sorted(
        {n for n in _names(query) - known if _mentions(candidate.text, [n])}
        | {n for n in _names(candidate) - known if _mentions(query.text, [n])}
    )

    sim = text_similarity(query.text, candidate.text, idf)
    if sim >= TEXT_FLOOR:
        s = sim
        q_people = bool(query.person_hashes or query.person_name_units)
        c_people = bool(candidate.person_hashes or candidate.person_name_units)
        if q_people and c_people and not same_ids and not same_nu and not mentioned:
            s *= DIFFERENT_PERSON_FACTOR  # same kind of matter, other people
        text_ev = min(0.95, max(0.0, (s - TEXT_FLOOR) / TEXT_SPAN))
        if text_ev > 0:
            signals.append(text_ev)
        if text_ev >= 0.1:
            reasons.append(_Similar(sim))
    if mentioned:
        reasons.append("文中提及：" + "、".join(mentioned))
        signals.append(W_MENTION)

    if not signals:
        return None
    miss = 1.0
    for s in signals:
        miss *= 1.0 - s
    return 1.0 - miss, reasons


def _written(query: ClueFeatures, candidate: ClueFeatures, reasons: list) -> list[str]:
    out = []
    for r in reasons:
        if isinstance(r, _Similar):
            phrases = shared_phrases(query.text, candidate.text)[:3]
            r = f"内容相似（{r.sim:.2f}）"
            if phrases:
                r += "：共同表述" + "、".join(f"“{p}”" for p in phrases)
        out.append(r)
    return out


def score_pair(
    query: ClueFeatures,
    candidate: ClueFeatures,
    *,
    idf: Mapping[str, float] | None = None,
    threshold: float = LIST_THRESHOLD,
) -> Match | None:
    """Combine the signals by noisy-OR; ``None`` when below ``threshold``."""
    scored = _score(query, candidate, idf)
    if scored is None or scored[0] < threshold:
        return None
    return Match(
        candidate.number, round(scored[0], 4), _written(query, candidate, scored[1])
    )


def rank_related(
    query: ClueFeatures,
    candidates: Iterable[ClueFeatures],
    *,
    limit: int = 20,
    idf: Mapping[str, float] | None = None,
    threshold: float = LIST_THRESHOLD,
) -> list[Match]:
    """Related clues, best first (score desc, then number), at most ``limit``. The shared
    phrases (the costly part of the reasons) are looked for in the listed ones only."""
    kept = []
    for c in candidates:
        scored = _score(query, c, idf)
        if scored is not None and scored[0] >= threshold:
            kept.append((round(scored[0], 4), c, scored[1]))
    kept.sort(key=lambda t: (-t[0], t[1].number))
    return [
        Match(c.number, score, _written(query, c, r)) for score, c, r in kept[:limit]
    ]
