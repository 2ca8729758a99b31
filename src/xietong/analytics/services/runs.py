"""Running the models over a unit's datasets and keeping their hits.

A run is first *enqueued* (``model_run_enqueue``: everything is checked, the data
versions are pinned, the run waits as 排队中) and then *performed* by the worker
(``xietong.analytics.jobs``) or at once by the console (``model_run_execute``); both
go through ``model_run_perform``. Hits are stored all at once at the end, so a
cancelled, failed or interrupted run leaves none behind.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xietong.access import policies
from xietong.analytics import engine as catalogue
from xietong.analytics.evidence import protect_hit_text
from xietong.analytics.models import (
    ALL_MODELS,
    CustomModel,
    DatasetVersion,
    Engine,
    Hit,
    ModelRun,
    RunSchedule,
    RunStatus,
)
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.crypto import field_cipher
from xietong.core.errors import Conflict, PermissionDenied, ValidationError
from xietong.core.identifiers import mask_id_number
from xietong.org.models import Unit
from xietong.org.services import id_lookup_hash

_BATCH = 1000
CUSTOM = "custom"


def hit_key(hit: Mapping[str, Any]) -> str:
    """Keyed hash (HMAC-SM3) of the engine's hit identity: model and primary evidence
    keys. Keyed, because those keys may be ID numbers, which a plain hash would give
    away to anyone who tries every number."""
    if "identity" in hit:  # a custom model's row identity
        text = f"custom:{hit['identity']}"
    else:
        model, keys = catalogue.hit_identity(hit)
        text = json.dumps(
            [model, list(keys)], ensure_ascii=False, separators=(",", ":")
        )
    return field_cipher().lookup_hash("hit", text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _check_params(model: str, params: Mapping | None) -> dict[str, dict[str, Any]]:
    """Per-model parameters, resolved; ValidationError naming each bad parameter."""
    keys = list(catalogue.CATALOGUE) if model == ALL_MODELS else [model]
    if model == ALL_MODELS:
        per_model = dict(params or {})
        unknown = sorted(set(per_model) - set(keys))
        if unknown:
            raise ValidationError(
                f"未知的模型：{'、'.join(unknown)}", fields={"params": "未知的模型"}
            )
    else:
        per_model = {model: dict(params or {})}
    fields: dict[str, str] = {}
    resolved: dict[str, dict[str, Any]] = {}
    for key in keys:
        given = per_model.get(key) or {}
        bad = False
        for name, value in given.items():
            problems = catalogue.validate_params(key, {name: value})
            if problems:
                fields[f"{key}.{name}" if model == ALL_MODELS else name] = problems[0]
                bad = True
        if not bad:
            resolved[key] = catalogue.resolve_params(key, given)
    if fields:
        raise ValidationError("；".join(fields.values()), fields=fields)
    return resolved


def latest_versions(unit: Unit) -> list[DatasetVersion]:
    """The latest version of every dataset ``unit`` holds."""
    versions = (
        DatasetVersion.objects.filter(dataset__unit=unit)
        .select_related("dataset")
        .order_by("dataset_id", "-number")
    )
    latest: dict[int, DatasetVersion] = {}
    for version in versions:
        latest.setdefault(version.dataset_id, version)
    return list(latest.values())


def _sources(versions: list[DatasetVersion], workdir: Path) -> dict[str, Path]:
    """Dataset kind -> Parquet path; several datasets of one kind are read as one."""
    by_kind: dict[str, list[DatasetVersion]] = {}
    for version in versions:
        by_kind.setdefault(version.dataset.kind, []).append(version)
    sources = {}
    for kind, group in by_kind.items():
        if len(group) == 1:
            sources[kind] = group[0].path
            continue
        # Only the standard columns: extra columns differ from one provider to another.
        names = [c.name for c in catalogue.get_dataset(kind).columns]
        folder = workdir / kind
        folder.mkdir()
        for i, version in enumerate(group):
            parquet = pq.ParquetFile(version.path)
            schema = pa.schema([parquet.schema_arrow.field(n) for n in names])
            with pq.ParquetWriter(folder / f"part-{i}.parquet", schema) as out:
                for batch in parquet.iter_batches(columns=names):
                    out.write_batch(batch)
        sources[kind] = folder
    return sources


def check_run(
    *,
    actor,
    model: str,
    unit: Unit,
    engine: str,
    params: Mapping[str, Any] | None,
    scope: Mapping[str, Any] | None,
    custom_model: CustomModel | None,
    need_data: bool = True,
) -> tuple[dict, dict, list[DatasetVersion]]:
    """Everything a run needs, checked: (params, scope, data versions); a
    ValidationError or PermissionDenied in Chinese otherwise."""
    if (
        custom_model is None
        and model != ALL_MODELS
        and model not in catalogue.CATALOGUE
    ):
        known = "、".join(catalogue.CATALOGUE)
        raise ValidationError(
            f"未知的模型“{model}”：可用的有 {known} 或 all",
            fields={"model": "模型无效"},
        )
    if engine not in Engine.values:
        raise ValidationError(
            f"未知的引擎“{engine}”：可用的有 {'、'.join(Engine.values)}",
            fields={"engine": "引擎无效"},
        )
    if actor is not None and not policies.can_run_models(actor, unit):
        raise PermissionDenied("您无权对该单位的数据运行模型。")
    if custom_model is not None:
        if actor is not None and not (
            policies.can_run_models(actor, custom_model.unit)
            and (custom_model.shared or custom_model.created_by_id == actor.pk)
        ):
            raise PermissionDenied("您无权运行该自定义模型。")
        from xietong.analytics.services.custom_models import custom_model_check_params

        resolved: dict = dict(custom_model_check_params(custom_model, params or {}))
    else:
        resolved = _check_params(model, params)
    try:
        clean_scope = catalogue.check_scope(scope)
    except ValueError as exc:
        raise ValidationError(str(exc), fields={"scope": str(exc)}) from None
    versions = latest_versions(unit) if need_data else []
    if need_data and not versions:
        raise ValidationError(
            f"{unit.name}尚未导入任何数据集，无法运行模型。",
            fields={"unit": "没有数据集"},
        )
    return resolved, clean_scope, versions


def _new_run(
    *,
    actor,
    model: str,
    unit: Unit,
    engine: str,
    params,
    scope,
    custom_model: CustomModel | None,
    schedule: RunSchedule | None,
    status: str,
) -> ModelRun:
    resolved, clean_scope, versions = check_run(
        actor=actor,
        model=model,
        unit=unit,
        engine=engine,
        params=params,
        scope=scope,
        custom_model=custom_model,
    )
    now = timezone.now()
    running = status == RunStatus.RUNNING
    with transaction.atomic():
        run = ModelRun.objects.create(
            model=CUSTOM if custom_model is not None else model,
            custom_model=custom_model,
            schedule=schedule,
            engine=engine,
            params=_jsonable(resolved),
            scope=clean_scope,
            unit=unit,
            status=status,
            data_versions={
                f"{v.dataset.kind}:{v.dataset_id}": v.pk
                for v in sorted(versions, key=lambda v: v.dataset_id)
            },
            created_by=actor,
            started_at=now if running else None,
            heartbeat_at=now if running else None,
            attempts=1 if running else 0,
        )
        summary = {"模型": run.model_label or model, "引擎": engine, "单位": unit.name}
        if clean_scope:
            summary["范围"] = scope_label(clean_scope)
        if schedule is not None:
            summary["定时任务"] = schedule.pk
        audit_record(actor=actor, action=Action.CREATE, obj=run, summary=summary)
    return run


def model_run_enqueue(
    *,
    actor,
    model: str,
    unit: Unit,
    engine: str = Engine.DUCKDB,
    params: Mapping[str, Any] | None = None,
    scope: Mapping[str, Any] | None = None,
    custom_model: CustomModel | None = None,
    schedule: RunSchedule | None = None,
) -> ModelRun:
    """Queue a run of one model, ``"all"`` or a custom model over ``unit``'s data.

    Everything is checked now (model, engine, parameters, right, datasets, scope) and
    the latest data versions are pinned; the worker performs the run later.
    ``params`` is ``{name: value}`` for one model and ``{model: {name: value}}`` for
    all. ``actor`` None is the system (console, schedules already checked).
    """
    return _new_run(
        actor=actor,
        model=model,
        unit=unit,
        engine=engine,
        params=params,
        scope=scope,
        custom_model=custom_model,
        schedule=schedule,
        status=RunStatus.QUEUED,
    )


def model_run_execute(
    *,
    actor,
    model: str,
    unit: Unit,
    engine: str = Engine.DUCKDB,
    params: Mapping[str, Any] | None = None,
    scope: Mapping[str, Any] | None = None,
) -> ModelRun:
    """Run one model (or ``"all"``) over the latest datasets of ``unit``, now.

    The console's synchronous run: the same checks as :func:`model_run_enqueue`,
    then :func:`model_run_perform` in this process. New hits are stored; a hit
    already known in the unit only records that this run found it again. A failed
    run is kept with its Chinese error.
    """
    run = _new_run(
        actor=actor,
        model=model,
        unit=unit,
        engine=engine,
        params=params,
        scope=scope,
        custom_model=None,
        schedule=None,
        status=RunStatus.RUNNING,
    )
    return model_run_perform(run)


def scope_label(scope: Mapping[str, Any]) -> str:
    """The scope in words: 全部数据 / 行政区划 410105 / 被巡察单位 金水区教育局."""
    if "region_code" in scope:
        return f"行政区划 {scope['region_code']}"
    if "target_unit" in scope:
        target = scope["target_unit"]
        return f"被巡察单位 {target.get('name') or target.get('uscc')}"
    return "全部数据"


def _keys(run: ModelRun) -> list[str]:
    if run.custom_model_id is not None:
        return [CUSTOM]
    return list(catalogue.CATALOGUE) if run.model == ALL_MODELS else [run.model]


def _label(key: str | None, run: ModelRun) -> str:
    if key == CUSTOM:
        return run.custom_model.name
    return catalogue.CATALOGUE[key].label if key in catalogue.CATALOGUE else ""


def model_run_perform(
    run: ModelRun, *, should_cancel: Callable[[], bool] | None = None
) -> ModelRun:
    """Do a run that is 运行中: read its pinned data, run, store hits or the outcome.

    ``should_cancel`` (cheap, thread-safe: the worker's heartbeat sets it) stops the
    run; so does a cancel request found in the database between models. A cancelled
    run is marked 已取消 and stores nothing.
    """
    flag = threading.Event()
    asked = should_cancel or (lambda: False)

    def cancelled() -> bool:
        return flag.is_set() or asked()

    keys = _keys(run)

    def progress(done: int, total: int, key: str | None) -> None:
        note = f"正在运行：{_label(key, run)}" if key else "正在保存结果"
        ModelRun.objects.filter(pk=run.pk).update(
            progress_done=done, progress_total=total, progress_note=note[:128]
        )
        if ModelRun.objects.filter(pk=run.pk, cancel_requested=True).exists():
            flag.set()

    ModelRun.objects.filter(pk=run.pk).update(
        progress_done=0, progress_total=len(keys), progress_note="正在准备数据"
    )
    versions = list(
        DatasetVersion.objects.filter(pk__in=run.data_versions.values())
        .select_related("dataset")
        .order_by("dataset_id")
    )
    try:
        with tempfile.TemporaryDirectory(
            dir=Path(settings.XIETONG_HOME) / "datasets"
        ) as workdir:
            sources = _sources(versions, Path(workdir))
            if run.custom_model_id is not None:
                from xietong.analytics.services.custom_models import (
                    custom_model_hits,
                )

                progress(0, 1, CUSTOM)
                hits = custom_model_hits(run, sources, should_cancel=cancelled)
                progress(1, 1, None)
            else:
                hits = catalogue.run_models(
                    sources,
                    engine=run.engine,
                    models=keys,
                    params=run.params,
                    scope=run.scope,
                    on_progress=progress,
                    should_cancel=cancelled,
                )
    except catalogue.RunCancelled:
        return _finish(run, RunStatus.CANCELLED)
    except Exception as exc:  # the run is recorded as failed, with the reason
        if cancelled():
            return _finish(run, RunStatus.CANCELLED)
        message = str(exc) or exc.__class__.__name__
        return _finish(run, RunStatus.FAILED, error=f"模型运行失败：{message}")
    if cancelled():
        return _finish(run, RunStatus.CANCELLED)
    return _store_hits(run, hits)


def _claim_for_finish(run: ModelRun) -> ModelRun | None:
    """The run, locked, if this performer still owns it (not taken back as stale)."""
    current = ModelRun.objects.select_for_update().get(pk=run.pk)
    if current.status != RunStatus.RUNNING or current.attempts != run.attempts:
        return None
    return current


def _finish(run: ModelRun, status: str, *, error: str = "") -> ModelRun:
    with transaction.atomic():
        current = _claim_for_finish(run)
        if current is None:
            run.refresh_from_db()
            return run
        return _finish_locked(current, status, error=error)


def _finish_locked(current: ModelRun, status: str, *, error: str = "") -> ModelRun:
    current.status = status
    current.error = error
    current.finished_at = timezone.now()
    current.progress_note = ""
    current.save(update_fields=["status", "error", "finished_at", "progress_note"])
    summary = {"状态": current.get_status_display()}
    if error:
        summary["错误"] = error[:500]
    audit_record(
        actor=current.created_by, action=Action.TRANSITION, obj=current, summary=summary
    )
    return current


def _store_hits(run: ModelRun, hits: list[dict[str, Any]]) -> ModelRun:
    custom = run.custom_model_id is not None
    by_key = {hit_key(h): h for h in hits}
    with transaction.atomic():
        current = _claim_for_finish(run)
        if current is None:
            run.refresh_from_db()
            return run
        if current.cancel_requested:
            return _finish_locked(current, RunStatus.CANCELLED)
        known: set[str] = set()
        keys = list(by_key)
        for start in range(0, len(keys), _BATCH):
            chunk = keys[start : start + _BATCH]
            existing = Hit.objects.filter(unit=current.unit, identity__in=chunk)
            known.update(existing.values_list("identity", flat=True))
            existing.update(last_run=current)
        cipher = field_cipher()
        new = []
        for key, hit in by_key.items():
            if key in known:
                continue
            subject = hit.get("subject") or {}
            number = subject.get("id_number") or ""
            evidence, reason, full_evidence, full_reason = protect_hit_text(
                hit["evidence"], hit["reason"]
            )
            new.append(
                Hit(
                    model=CUSTOM if custom else hit["model"],
                    custom_model_id=current.custom_model_id,
                    identity=key,
                    unit=current.unit,
                    first_run=current,
                    last_run=current,
                    evidence=evidence,
                    evidence_enc=cipher.encrypt(full_evidence) if full_evidence else "",
                    subject_id_number_enc=cipher.encrypt(number) if number else "",
                    subject_id_number_hash=id_lookup_hash(number) if number else "",
                    subject_id_number_masked=mask_id_number(number) if number else "",
                    subject_name=(subject.get("name") or "")[:64],
                    reason=reason,
                    reason_enc=cipher.encrypt(full_reason) if full_reason else "",
                    confidence=hit["confidence"],
                    matched_on=hit.get("matched_on", []),
                    params=current.params
                    if custom
                    else current.params.get(hit["model"], {}),
                    data_versions=current.data_versions,
                )
            )
        Hit.objects.bulk_create(new, batch_size=_BATCH)
        current.status = RunStatus.DONE
        current.hits_new = len(new)
        current.hits_known = len(known)
        current.finished_at = timezone.now()
        current.progress_done = current.progress_total
        current.progress_note = ""
        current.save(
            update_fields=[
                "status",
                "hits_new",
                "hits_known",
                "finished_at",
                "progress_done",
                "progress_note",
            ]
        )
        audit_record(
            actor=current.created_by,
            action=Action.TRANSITION,
            obj=current,
            summary={
                "状态": "完成",
                "新发现": current.hits_new,
                "已知": current.hits_known,
            },
        )
    return current


def model_run_cancel(*, actor, run: ModelRun) -> ModelRun:
    """Cancel a run: a queued one at once, a running one as soon as the worker sees
    the request (it then stores no hits). A finished run cannot be cancelled."""
    if actor is not None and not policies.can_run_models(actor, run.unit):
        raise PermissionDenied("您无权取消该单位的模型运行。")
    with transaction.atomic():
        now = timezone.now()
        if ModelRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.CANCELLED, cancel_requested=True, finished_at=now
        ):
            summary = {"状态": "已取消"}
        elif ModelRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            cancel_requested=True
        ):
            summary = {"状态": "请求取消"}
        else:
            run.refresh_from_db()
            raise Conflict(f"该运行{run.get_status_display()}，无法取消。")
        run.refresh_from_db()
        audit_record(actor=actor, action=Action.TRANSITION, obj=run, summary=summary)
    return run


def inspection_target_sweep(*, actor, unit: Unit, target: Unit) -> ModelRun:
    """一键抓取: queue every built-in model over ``unit``'s data, narrowed to the
    records of the inspected unit ``target`` (its name and USCC)."""
    return model_run_enqueue(
        actor=actor,
        model=ALL_MODELS,
        unit=unit,
        scope={"target_unit": {"name": target.name, "uscc": target.uscc or ""}},
    )
