"""A small hand-built province for the model tests: positives and near misses.

Every model's cases live in one world so that the conformance suite runs the whole
catalogue on both engines once. Names of rows say what they test; the expected hits
are spelled out in test_models.py.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from xietong.analytics.engine.datasets import DATASETS
from xietong.core.identifiers import make_id_number, make_uscc

ARROW_TYPES = {
    "str": pa.string(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
    "decimal": pa.decimal128(18, 2),
    "int": pa.int64(),
    "float": pa.float64(),
}


def pid(seq: int, region: str = "330106", born: date = date(1960, 1, 1)) -> str:
    """A valid 18-digit ID number."""
    return make_id_number(region, born, seq)


def uscc(seq: int, prefix: str = "91") -> str:
    return make_uscc(prefix, "330106", f"{seq:09d}")


def d(text: str) -> date:
    return date.fromisoformat(text)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def money(value: int | str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


# -- people -------------------------------------------------------------------
WANG = pid(1)  # 王建国, died 2026-01-10
LI = pid(2)  # 李秀英, died 2026-01-01; paid later by name + account
ZHAO = pid(3)  # 赵志刚, died 2026-01-01; paid later as 赵志钢 (one wrong character)
ZHANG_A = pid(4)  # 张伟 (dead) — shares name and county with ZHANG_B
ZHANG_B = pid(5)  # 张伟 (alive)
QIAN = pid(6, region="330108")  # 钱多多, unique in 330108, died 2026-01-01
CHEN = pid(10)  # 陈明, official of 民政局
LIU = pid(11)  # 刘芳, 陈明's spouse
LIU_OTHER = pid(12, region="330110")  # another 刘芳
SUN = pid(13)  # 孙丽, official of 教育局
WU = pid(20)  # 吴强, paid by two units in 2026-03
HE = pid(21)  # 何平, one unit named two ways
MA = pid(22)  # 马超, died 2026-02-15, still on payroll
ZHOU = pid(30)  # 周杰, paid twice
ZHENG1 = pid(31)  # 郑一 and 郑二 share an account
ZHENG2 = pid(32)
FENG = pid(33)  # 冯宝宝, also written 冯宝玉 on a row without ID

# -- units and companies -------------------------------------------------------
MINZHENG = uscc(1, prefix="11")  # 杭州市西湖区民政局
JIAOYU = uscc(2, prefix="11")  # 杭州市西湖区教育局
MINGDA = uscc(101)  # 杭州明达科技: legal rep 陈明
HUAXIN = uscc(102)  # 杭州华信商贸: shareholder 刘芳 (陈明's spouse)
HUAXIN_OTHER = uscc(103)  # 杭州远航物流: shareholder the other 刘芳
LINGXIAN = uscc(104)  # 杭州零线建材: 刘芳 holds 0 %
SPLITCO = uscc(105)  # 杭州拆分工程
PAYROLL_A = uscc(201, prefix="11")  # 杭州市园林局

ROWS: dict[str, list[dict]] = {
    "residents": [
        {"id_number": ZHANG_A, "name": "张伟", "region_code": "330106"},
        {"id_number": ZHANG_B, "name": "张伟", "region_code": "330106"},
        {"id_number": QIAN, "name": "钱多多", "region_code": "330108"},
        {"id_number": WANG, "name": "王建国", "region_code": "330106"},
    ],
    "deaths": [
        {"id_number": WANG, "name": "王建国", "death_date": d("2026-01-10")},
        {"id_number": LI, "name": "李秀英", "death_date": d("2026-01-01")},
        {"id_number": ZHAO, "name": "赵志刚", "death_date": d("2026-01-01")},
        {"id_number": ZHANG_A, "name": "张伟", "death_date": d("2026-01-01")},
        {"id_number": QIAN, "name": "钱多多", "death_date": d("2026-01-01")},
        {"id_number": MA, "name": "马超", "death_date": d("2026-02-15")},
    ],
    "officials": [
        {
            "id_number": CHEN,
            "name": "陈明",
            "unit_uscc": MINZHENG,
            "unit_name": "杭州市西湖区民政局",
            "position": "科长",
        },
        {
            "id_number": SUN,
            "name": "孙丽",
            "unit_uscc": JIAOYU,
            "unit_name": "杭州市西湖区教育局",
            "position": "副局长",
        },
    ],
    "relatives": [
        {
            "official_id_number": CHEN,
            "relative_name": "刘芳",
            "relative_id_number": LIU,
            "relation": "配偶",
        },
        # No ID number: cannot be linked to any payee.
        {"official_id_number": CHEN, "relative_name": "陈小明", "relation": "子女"},
    ],
    "companies": [
        {
            "uscc": MINGDA,
            "name": "杭州明达科技",
            "legal_rep_name": "陈明",
            "legal_rep_id_number": CHEN,
        },
        {"uscc": HUAXIN, "name": "杭州华信商贸", "legal_rep_name": "赵六"},
        {"uscc": HUAXIN_OTHER, "name": "杭州远航物流", "legal_rep_name": "钱七"},
        {"uscc": LINGXIAN, "name": "杭州零线建材", "legal_rep_name": "孙八"},
        {"uscc": SPLITCO, "name": "杭州拆分工程", "legal_rep_name": "李九"},
    ],
    "shareholders": [
        {
            "uscc": HUAXIN,
            "holder_name": "刘芳",
            "holder_id_number": LIU,
            "share_ratio": 0.3,
        },
        {
            "uscc": HUAXIN_OTHER,
            "holder_name": "刘芳",
            "holder_id_number": LIU_OTHER,
            "share_ratio": 0.5,
        },
        {
            "uscc": LINGXIAN,
            "holder_name": "刘芳",
            "holder_id_number": LIU,
            "share_ratio": 0.0,
        },
    ],
    "contracts": [],
    "payments": [],
    "payroll": [],
    "vehicles_use": [],
}


def _contract(cid, buyer_uscc, buyer_name, sup_uscc, sup_name, amount, signed):
    ROWS["contracts"].append(
        {
            "contract_id": cid,
            "buyer_unit_uscc": buyer_uscc,
            "buyer_unit_name": buyer_name,
            "supplier_uscc": sup_uscc,
            "supplier_name": sup_name,
            "amount": money(amount),
            "sign_date": d(signed),
            "method": "询价",
        }
    )


MZ, JY = "杭州市西湖区民政局", "杭州市西湖区教育局"
# 利益输送
_contract("K1", MINZHENG, MZ, MINGDA, "杭州明达科技", 80000, "2026-03-01")
_contract("K2", None, MZ, None, "杭州华信商贸", 90000, "2026-03-02")  # names only
_contract("K3", JIAOYU, JY, MINGDA, "杭州明达科技", 70000, "2026-03-03")  # other unit
_contract("K4", MINZHENG, MZ, HUAXIN_OTHER, "杭州远航物流", 60000, "2026-03-04")
_contract("K5", MINZHENG, MZ, LINGXIAN, "杭州零线建材", 50000, "2026-03-05")
# 化整为零 (教育局 buys from 杭州拆分工程)
for cid, amount, signed in [
    ("S01", 400000, "2026-03-01"),
    ("S02", 400000, "2026-03-15"),
    ("S03", 300000, "2026-03-30"),  # 29 days after S01: one hit S01-S03
    ("S04", 600000, "2026-05-01"),
    ("S05", 500000, "2026-06-01"),  # 31 days: no hit with a 30-day window
    ("S06", 1200000, "2026-07-01"),  # over the threshold itself: not eligible
    ("S07", 100000, "2026-07-02"),
    ("S08", 300000, "2026-08-01"),
    ("S09", 300000, "2026-08-05"),  # together under the threshold
    ("S10", 500000, "2026-09-01"),
    ("S11", 500000, "2026-09-10"),
    ("S12", 600000, "2026-09-20"),  # S11-S12 qualify too but lie inside S10's window
]:
    _contract(cid, JIAOYU, JY, SPLITCO, "杭州拆分工程", amount, signed)


def _pay(pid_, program, name, id_number, account, amount, paid, region=None):
    ROWS["payments"].append(
        {
            "payment_id": pid_,
            "program": program,
            "payee_name": name,
            "payee_id_number": id_number,
            "bank_account": account,
            "amount": money(amount),
            "pay_date": d(paid),
            "region_code": region,
            "paying_unit": "杭州市西湖区民政局",
        }
    )


# 死亡冒领
_pay("D1", "养老", "王建国", WANG, None, 1000, "2026-02-10")  # 31 days: within grace
_pay("D2", "养老", "王建国", WANG, None, 1000, "2026-02-11")  # 32 days: hit
_pay("D3", "养老", "王建国", WANG, None, 1000, "2026-01-20")  # 10 days
_pay("D4", "养老", "李秀英", None, "6222000000000001", 900, "2026-03-01")  # account
_pay("D5", "养老", "李秀英", LI, "6222000000000001", 900, "2025-12-01")  # alive then
_pay("D6", "养老", "赵志钢", None, "6222000000000002", 800, "2026-03-05")  # typo
_pay("D7", "养老", "赵志刚", ZHAO, "6222000000000002", 800, "2025-11-01")
_pay("D8", "养老", "张伟", None, None, 700, "2026-03-01", "330106")  # two 张伟
_pay("D9", "养老", "张伟", None, "6222000000000003", 700, "2026-03-02")  # unknown
_pay("D10", "养老", "钱多多", None, None, 600, "2026-04-01", "330108001")  # region
# 优亲厚友
_pay("W1", "城市低保", "刘芳", LIU, None, 500, "2026-03-01")
_pay("W2", "养老", "刘芳", LIU, None, 500, "2026-03-02")  # not means-tested
_pay("W3", "特困供养", "陈明", CHEN, None, 500, "2026-03-03")
_pay("W4", "低保", "陈小明", None, None, 500, "2026-03-04")  # relative without ID
_pay("W5", "低保", "刘芳", LIU_OTHER, None, 500, "2026-03-05")  # another 刘芳
# 重复支付
_pay("X1", "低保", "周杰", ZHOU, "6222000000000010", 500, "2026-03-01")
_pay("X2", "低保", "周杰", ZHOU, "6222000000000010", 500, "2026-03-01")
_pay("X3", "低保", "周杰", ZHOU, "6222000000000010", 600, "2026-03-01")
_pay("X4", "低保", "周杰", ZHOU, "6222000000000010", 500, "2026-04-01")
_pay("X5", "低保", "郑一", ZHENG1, "6222000000000011", 500, "2026-03-01")
_pay("X6", "低保", "郑二", ZHENG2, "6222000000000011", 500, "2026-03-01")
_pay("X7", "低保", "冯宝宝", FENG, "6222000000000012", 500, "2026-03-01")
_pay("X8", "低保", "冯宝玉", None, "6222000000000012", 500, "2026-04-01")


def _wage(unit_uscc, unit_name, id_number, name, month, amount=8000):
    ROWS["payroll"].append(
        {
            "payroll_unit_uscc": unit_uscc,
            "payroll_unit_name": unit_name,
            "id_number": id_number,
            "name": name,
            "month": month,
            "amount": money(amount),
        }
    )


YL, CG = "杭州市园林局", "杭州市城管局"
_wage(PAYROLL_A, YL, WU, "吴强", "2026-03")
_wage(None, CG, WU, "吴强", "2026-03")  # second unit, named only
_wage(PAYROLL_A, YL, WU, "吴强", "2026-04")
_wage(PAYROLL_A, YL, HE, "何平", "2026-03")
_wage(None, YL, HE, "何平", "2026-03", 500)  # same unit without its USCC
_wage(PAYROLL_A, YL, MA, "马超", "2026-02")  # month of death
_wage(PAYROLL_A, YL, MA, "马超", "2026-03")  # after it


def _trip(plate, start, purpose=None, unit="杭州市西湖区民政局"):
    ROWS["vehicles_use"].append(
        {
            "plate": plate,
            "unit_name": unit,
            "start_time": t(start),
            "driver_name": "老李",
            "purpose": purpose,
        }
    )


_trip("浙A00001", "2026-02-14 10:00:00")  # make-up working Saturday
_trip("浙A00001", "2026-01-01 10:00:00")  # 元旦, a Thursday
_trip("浙A00001", "2026-03-10 22:30:00")  # night, no purpose
_trip("浙A00002", "2026-03-10 22:30:00", "防汛值班")  # night, with purpose
_trip("浙A00001", "2026-03-14 09:00:00")  # Saturday
_trip("浙A00002", "2026-03-14 10:00:00", "")  # Saturday, blank purpose
_trip("浙A00001", "2026-03-11 05:59:00")  # before six
_trip("浙A00001", "2026-03-11 06:00:00")  # six sharp: working hours
_trip("浙A00001", "2026-03-11 21:59:00")

CALENDAR = [
    (d("2026-01-01"), "holiday", "元旦"),
    (d("2026-02-14"), "workday", "春节调休上班"),
]


def write_world(folder: Path, rows: dict[str, list[dict]] | None = None) -> Path:
    """Write each dataset as <folder>/<name>.parquet with the standard types."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in (rows or ROWS).items():
        spec = DATASETS[name]
        present = [c for c in spec.columns if any(c.name in r for r in records)]
        if not present:
            present = list(spec.columns)
        schema = pa.schema([(c.name, ARROW_TYPES[c.type]) for c in present])
        table = pa.Table.from_pylist(
            [{c.name: r.get(c.name) for c in present} for r in records], schema=schema
        )
        pq.write_table(table, folder / f"{name}.parquet")
    return folder
