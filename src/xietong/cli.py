"""The ``xietong`` console script.

Every command uses ``DATABASE_URL`` when set and the SQLite file of ``make demo`` otherwise.
Exit codes: 0 success, 1 a check failed (e.g. audit verify), 2 bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings.demo")
    import django

    django.setup()


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期“{value}”无效，应为 2026-09-28 格式"
        ) from None


def _nonneg_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"工作日数“{value}”应为整数") from None
    if n < 0:
        raise argparse.ArgumentTypeError("工作日数不能为负数")
    return n


def cmd_migrate(args) -> int:
    from django.core.management import call_command

    call_command("migrate", verbosity=args.verbosity, interactive=False)
    return 0


def cmd_demo(args) -> int:
    from django.core.management import call_command
    from django.db import connection

    from xietong.org import demo

    call_command("migrate", verbosity=0, interactive=False)
    if demo.demo_exists() and not args.reset:
        print("演示省份已存在，跳过生成（使用 --reset 重新生成）。")
        accounts = demo.existing_demo_accounts()
    else:
        if args.reset:
            call_command("flush", verbosity=0, interactive=False)
            from xietong.audit.services import checkpoint_file

            path = checkpoint_file().path
            if path.exists():
                path.rename(path.with_suffix(f".{dt.datetime.now():%Y%m%d%H%M%S}.bak"))
        accounts = demo.build_demo(scale=args.scale, seed=args.seed)
        from xietong.clues.demo import build_clues
        from xietong.clues.demo_workflows import build_clue_workflows

        build_clues(seed=args.seed)
        build_clue_workflows(seed=args.seed)
        from xietong.analytics.demo import build_analytics

        build_analytics(seed=args.seed)
        _analyze(connection)
    print(demo.demo_accounts_summary(accounts))
    print(f"数据库：{connection.settings_dict['NAME']}")
    return 0


def _analyze(connection) -> None:
    """Fresh planner statistics after a bulk load, so the first queries get good plans."""
    # VACUUM (which also makes index-only scans possible) cannot run in a transaction.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def cmd_serve(args) -> int:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "xietong.wsgi:application",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ],
    )
    return 0


def cmd_workdays(args) -> int:
    from xietong.core.errors import ApplicationError
    from xietong.workdays import services

    try:
        if args.op == "add":
            print(services.add_workdays(args.start, args.n).isoformat())
        else:
            print(services.workdays_between(args.start, args.end))
    except ApplicationError as exc:
        return _fail(exc.message)
    return 0


def cmd_calendar_import(args) -> int:
    from xietong.core.calendar import parse_calendar_file
    from xietong.core.errors import ValidationError
    from xietong.workdays import services

    try:
        raw = open(args.file, "rb").read()
    except OSError as exc:
        return _fail(f"无法读取文件 {args.file}：{exc.strerror}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gbk")
        except UnicodeDecodeError:
            return _fail(
                f"文件 {args.file} 的编码无法识别，请使用 UTF-8 或 GBK 编码的 CSV。"
            )
    try:
        years = services.calendar_import(
            actor=None,
            entries=parse_calendar_file(text),
            source=os.path.basename(args.file),
        )
    except ValidationError as exc:
        print(exc.message, file=sys.stderr)
        for row, reason in exc.fields.items():
            print(f"{row}：{reason}", file=sys.stderr)
        return 2
    print(f"已导入 {'、'.join(map(str, years))} 年日历。")
    return 0


def cmd_audit_verify(args) -> int:
    from xietong.audit.services import audit_verify

    result = audit_verify()
    print(result.message())
    return 0 if result.ok else 1


def cmd_keys_rotate(args) -> int:
    from xietong.org.keys import rotate_keys

    report = rotate_keys(log=print)
    print(
        f"密钥轮换完成：新密钥编号 {report.new_key_id}，重新加密 {report.fields} 个字段。"
    )
    return 0


def cmd_import(args) -> int:
    from xietong.org import importers
    from xietong.org.region_import import import_regions

    func = {
        "regions": import_regions,
        "units": importers.import_units,
        "persons": importers.import_persons,
    }[args.kind]
    try:
        report = func(args.file, dry_run=args.dry_run)
    except importers.ImportFileError as exc:
        return _fail(exc.message)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 2


def cmd_accounts_create(args) -> int:
    import getpass

    from xietong.access.services import account_create
    from xietong.core.errors import ValidationError
    from xietong.org.models import Unit

    unit = Unit.objects.filter(pk=args.unit).first()
    password = (
        args.password
        or os.environ.get("XIETONG_NEW_PASSWORD")
        or getpass.getpass("初始密码：")
    )
    try:
        user = account_create(
            actor=None,
            username=args.username,
            full_name=args.full_name,
            unit=unit,
            password=password,
            roles=tuple(args.role),
        )
    except ValidationError as exc:
        return _fail(exc.message)
    print(f"已创建账号 {user.username}（{user.role_labels()}）")
    return 0


def cmd_clues_related(args) -> int:
    import json

    from xietong.clues.models import Clue
    from xietong.clues.related import related_clues

    clue = Clue.objects.filter(number=args.number).first()
    if clue is None:
        return _fail(f"线索编号 {args.number} 不存在。")
    matches = [m.as_dict() for _c, m in related_clues(clue, limit=args.limit)]
    if args.json:
        print(json.dumps(matches, ensure_ascii=False))
    else:
        for m in matches:
            print(f"{m['number']}\t{m['score']:.2f}\t{'；'.join(m['reasons'])}")
    return 0


def cmd_clues_import(args) -> int:
    from xietong.clues.importers import import_clues
    from xietong.org.importers import ImportFileError

    try:
        results = import_clues(args.file)
    except ImportFileError as exc:
        return _fail(exc.message)
    for row, number, error in results:
        print(f"{row}\t{number}" if number else f"{row}\tERROR: {error}")
    return 0 if all(number for _, number, _ in results) else 2


def cmd_clues_remind(args) -> int:
    import datetime as dt

    from xietong.clues.services import transfer_remind_overdue

    today = dt.date.fromisoformat(args.date) if args.date else None
    notes = transfer_remind_overdue(today=today)
    for note in notes:
        t = note.transfer
        print(f"{t.clue.number}\t{t.from_unit.name} → {t.to_unit.name}\t{note.content}")
    print(f"已催办 {len(notes)} 件逾期移送。")
    return 0


def _analytics_unit(value: str | None):
    """A unit by id or exact name; without one, the province commission."""
    from xietong.org.models import Unit, UnitKind

    if value is None:
        unit = (
            Unit.objects.filter(
                kind=UnitKind.COMMISSION,
                parent__isnull=True,
                region__parent__isnull=True,
            )
            .order_by("pk")
            .first()
        )
        if unit is None:
            raise LookupError(
                "未找到省纪委监委（顶级纪委监委），请用 --unit 指定单位。"
            )
        return unit
    unit = None
    if value.isdigit():
        unit = Unit.objects.filter(pk=int(value)).first()
    if unit is None:
        matches = list(Unit.objects.filter(name=value)[:2])
        if len(matches) > 1:
            raise LookupError(f"有多个单位名为“{value}”，请用单位编号指定。")
        unit = matches[0] if matches else None
    if unit is None:
        raise LookupError(f"单位“{value}”不存在。")
    return unit


def cmd_data_import(args) -> int:
    from xietong.analytics.report import report_lines
    from xietong.analytics.services import dataset_import
    from xietong.core.errors import ValidationError

    try:
        unit = _analytics_unit(args.unit)
    except LookupError as exc:
        return _fail(str(exc))
    mapping = {}
    for item in args.map:
        header, sep, column = item.partition("=")
        if not sep or not header.strip():
            return _fail(f"列对应“{item}”应写作 表头=标准列名")
        mapping[header.strip()] = column.strip() or None

    def progress(rows: int) -> None:
        if args.progress:
            print(f"已处理 {rows} 行…", file=sys.stderr)

    try:
        version = dataset_import(
            actor=None,
            kind=args.kind,
            path_or_file=args.file,
            unit=unit,
            name=args.name,
            mapping=mapping,
            period_start=args.period_start,
            period_end=args.period_end,
            progress=progress,
        )
    except ValidationError as exc:
        print(f"ERROR {exc.message}", file=sys.stderr)
        for where, reason in exc.fields.items():
            print(f"ERROR {where}：{reason}")
        return 2
    dataset = version.dataset
    encoding = f"，编码 {version.source_encoding}" if version.source_encoding else ""
    print(
        f"已导入 {dataset.name}（{dataset.kind}）第 {version.number} 版：{unit.name}，"
        f"{version.rows} 行{encoding}。"
    )
    for line in report_lines(version.report):
        print(f"  {line}")
    return 0


def _param_values(items: list[str], model: str) -> dict:
    """--param name=value (or model.name=value with --all) as the service expects."""
    from xietong.analytics.engine import CATALOGUE

    params: dict = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"参数“{item}”应写作 名称=值")
        name = name.strip()
        if model != "all":
            params[name] = value
            continue
        key, dot, param = name.rpartition(".")
        targets = (
            [key]
            if dot
            else [
                k
                for k, m in CATALOGUE.items()
                if any(p.name == param for p in m.parameters)
            ]
        )
        if not targets:
            raise ValueError(f"没有任何模型有参数“{param}”")
        for target in targets:
            params.setdefault(target, {})[param] = value
    return params


def cmd_models_run(args) -> int:
    import json

    from xietong.analytics.models import RunStatus
    from xietong.analytics.selectors import run_hits
    from xietong.analytics.services import model_run_execute
    from xietong.core.errors import ValidationError

    if (args.model is None) == (not args.all):
        return _fail("请指定一个模型，或使用 --all 运行全部模型。")
    model = "all" if args.all else args.model
    try:
        unit = _analytics_unit(args.unit)
        params = _param_values(args.param, model)
    except (LookupError, ValueError) as exc:
        return _fail(str(exc))
    try:
        run = model_run_execute(
            actor=None, model=model, engine=args.engine, params=params, unit=unit
        )
    except ValidationError as exc:
        return _fail(exc.message)
    if run.status != RunStatus.DONE:
        return _fail(run.error, 1)
    hits = run_hits(run, reveal_id_number=True)
    if args.json:
        print(json.dumps(hits, ensure_ascii=False))
    else:
        for hit in hits:
            print(f"{hit['model']}\t{hit['confidence']:.2f}\t{hit['reason']}")
        print(
            f"运行 #{run.pk} 完成：新发现 {run.hits_new} 条，已知 {run.hits_known} 条。"
        )
    return 0


def cmd_worker(args) -> int:
    import logging

    from xietong.analytics.jobs import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    worker = Worker(poll=args.poll)
    if args.once:
        count = worker.run_until_empty()
        print(f"已处理 {count} 个任务。")
        return 0
    print(f"后台任务进程已启动（每 {args.poll:g} 秒检查一次队列），按 Ctrl+C 停止。")
    try:
        worker.run_forever()
    except KeyboardInterrupt:
        # The job in hand (if any) is taken up again once its heartbeat is stale.
        print("已停止。")
    return 0


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"秒数“{value}”应为数字") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("秒数应大于 0")
    return seconds


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xietong manage", *args.rest])
    return 0


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its error messages in Chinese (it ships no zh catalogue)."""

    _PATTERNS = (
        (r"the following arguments are required: (.+)", "缺少必填参数：{0}"),
        (
            r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)",
            "参数 {0} 无效：{1}（可选：{2}）",
        ),
        (r"unrecognized arguments: (.+)", "无法识别的参数：{0}"),
        (r"argument (\S+): expected one argument", "参数 {0} 需要一个值"),
        (r"argument (\S+): (.+)", "参数 {0}：{1}"),
    )

    def error(self, message):
        import re

        for pattern, template in self._PATTERNS:
            m = re.fullmatch(pattern, message)
            if m:
                message = template.format(*m.groups())
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = ChineseArgumentParser(prog="xietong", description="XieTong 协同监督平台命令行")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("migrate", help="建立或升级数据库")
    s.add_argument("-v", "--verbosity", type=int, default=1)
    s.set_defaults(func=cmd_migrate)

    s = sub.add_parser("demo", help="生成演示省份并打印各角色登录账号")
    s.add_argument(
        "--scale", type=float, default=1.0, help="规模倍数（10 用于性能测试）"
    )
    s.add_argument("--seed", type=int, default=2026)
    s.add_argument("--reset", action="store_true", help="清空数据库后重新生成")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("serve", help="启动 Web 服务")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=2)
    s.set_defaults(func=cmd_serve)

    w = sub.add_parser("workdays", help="工作日计算").add_subparsers(
        dest="op", required=True
    )
    s = w.add_parser("add", help="起算日之后第 N 个工作日")
    s.add_argument("start", type=_date)
    s.add_argument("n", type=_nonneg_int)
    s.set_defaults(func=cmd_workdays)
    s = w.add_parser("between", help="两日期之间的工作日数（不含起算日）")
    s.add_argument("start", type=_date)
    s.add_argument("end", type=_date)
    s.set_defaults(func=cmd_workdays)

    c = sub.add_parser("calendar", help="工作日历").add_subparsers(
        dest="op", required=True
    )
    s = c.add_parser("import", help="导入节假日与调休 CSV（date,kind,name）")
    s.add_argument("file")
    s.set_defaults(func=cmd_calendar_import)

    a = sub.add_parser("audit", help="审计日志").add_subparsers(
        dest="op", required=True
    )
    s = a.add_parser("verify", help="校验 SM3 哈希链与签名检查点")
    s.set_defaults(func=cmd_audit_verify)

    k = sub.add_parser("keys", help="密钥管理").add_subparsers(dest="op", required=True)
    s = k.add_parser("rotate", help="生成新的 SM4 密钥并重新加密全部敏感字段")
    s.set_defaults(func=cmd_keys_rotate)

    i = sub.add_parser(
        "import", help="导入行政区划、单位或人员（CSV/XLSX）"
    ).add_subparsers(dest="kind", required=True)
    for kind, label in (
        ("regions", "行政区划（区划代码,名称）"),
        ("units", "单位"),
        ("persons", "监督对象"),
    ):
        s = i.add_parser(kind, help=f"导入{label}")
        s.add_argument("file")
        s.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        s.set_defaults(func=cmd_import)

    cl = sub.add_parser("clues", help="问题线索").add_subparsers(
        dest="op", required=True
    )
    s = cl.add_parser("related", help="列出与某条线索相关的线索（按相关度排序）")
    s.add_argument("number", help="线索编号")
    s.add_argument("--json", action="store_true", help="以 JSON 输出")
    s.add_argument("--limit", type=int, default=20)
    s.set_defaults(func=cmd_clues_related)
    s = cl.add_parser(
        "import", help="批量登记线索（CSV，UTF-8 或 GBK），每行输出编号或错误"
    )
    s.add_argument("file")
    s.set_defaults(func=cmd_clues_import)
    s = cl.add_parser(
        "remind", help="逾期未接收或未反馈的移送自动催办（每日定时执行，每件每天一次）"
    )
    s.add_argument("--date", help="按哪一天判断逾期（YYYY-MM-DD，默认今天）")
    s.set_defaults(func=cmd_clues_remind)

    d = sub.add_parser("data", help="大数据监督：数据集").add_subparsers(
        dest="op", required=True
    )
    s = d.add_parser(
        "import", help="导入标准数据集（CSV/XLSX/Parquet），输出规范化报告或错误行"
    )
    s.add_argument("kind", help="数据集类型，如 payments、residents")
    s.add_argument("file")
    s.add_argument("--unit", help="所属单位编号或名称（默认省纪委监委）")
    s.add_argument("--name", help="数据集名称（默认为类型名称；同名即为新版本）")
    s.add_argument("--period-start", type=_date, help="数据起始日期")
    s.add_argument("--period-end", type=_date, help="数据截止日期")
    s.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="表头=标准列",
        help="指定列对应（覆盖自动识别，标准列留空表示忽略该列），可重复",
    )
    s.add_argument("--progress", action="store_true", help="显示导入进度")
    s.set_defaults(func=cmd_data_import)

    m = sub.add_parser("models", help="大数据监督：模型").add_subparsers(
        dest="op", required=True
    )
    s = m.add_parser("run", help="对某单位最新数据集运行模型，输出全部命中")
    s.add_argument("model", nargs="?", help="模型名，如 death_payment")
    s.add_argument("--all", action="store_true", help="运行全部内置模型")
    s.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    s.add_argument("--unit", help="单位编号或名称（默认省纪委监委）")
    s.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="名称=值",
        help="模型参数，可重复（--all 时可写 模型.名称=值）",
    )
    s.add_argument("--json", action="store_true", help="以 JSON 数组输出全部命中")
    s.set_defaults(func=cmd_models_run)

    s = sub.add_parser(
        "worker",
        help="后台任务进程：模型运行、数据集导入和定时运行（生产环境作为服务运行）",
    )
    s.add_argument("--once", action="store_true", help="处理完队列中的任务后退出")
    s.add_argument(
        "--poll",
        type=_positive_seconds,
        default=2.0,
        metavar="秒",
        help="队列为空时多久检查一次（默认 2 秒）",
    )
    s.set_defaults(func=cmd_worker)

    ac = sub.add_parser("accounts", help="账号").add_subparsers(
        dest="op", required=True
    )
    s = ac.add_parser("create", help="创建账号（首个系统管理员等，在服务器控制台执行）")
    s.add_argument("username")
    s.add_argument("--full-name", required=True)
    s.add_argument("--unit", type=int, required=True, help="单位编号")
    s.add_argument("--role", action="append", default=[], help="角色代码，可重复")
    s.add_argument("--password")
    s.set_defaults(func=cmd_accounts_create)

    s = sub.add_parser("manage", help="Django 管理命令", add_help=False)
    s.add_argument("rest", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_manage)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup()
    if args.func not in (cmd_migrate, cmd_manage, cmd_demo, cmd_serve):
        problem = _ensure_schema()
        if problem:
            return _fail(problem)
    return args.func(args)


def _ensure_schema() -> str | None:
    """Bring the embedded SQLite database up to date; refuse to touch another unmigrated one."""
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        return None
    if os.environ.get("DATABASE_URL"):
        return "数据库尚未初始化或需要升级：请先运行 xietong migrate。"
    call_command("migrate", verbosity=0, interactive=False)
    return None


if __name__ == "__main__":
    sys.exit(main())
