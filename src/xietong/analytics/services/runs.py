"""Running the built-in models over a unit's datasets and keeping their hits."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping
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
from xietong.analytics.models import (
    ALL_MODELS,
    DatasetVersion,
    Engine,
    Hit,
    ModelRun,
    RunStatus,
)
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.crypto import field_cipher
from xietong.core.errors import PermissionDenied, ValidationError
from xietong.core.identifiers import mask_id_number
from xietong.org.models import Unit
from xietong.org.services import id_lookup_hash

_BATCH = 1000


def hit_key(hit: Mapping[str, Any]) -> str:
    """SHA-256 hex of the engine's hit identity (model and primary evidence keys)."""
    model, keys = catalogue.hit_identity(hit)
    text = json.dumps([model, list(keys)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


def model_run_execute(
    *,
    actor,
    model: str,
    unit: Unit,
    engine: str = Engine.DUCKDB,
    params: Mapping[str, Any] | None = None,
) -> ModelRun:
    """Run one model (or ``"all"``) over the latest datasets of ``unit``, now.

    ``params`` is ``{name: value}`` for one model and ``{model: {name: value}}`` for
    all. New hits are stored; a hit already known in the unit (same identity) only
    records that this run found it again. A failed run is kept with its Chinese error.
    """
    if model != ALL_MODELS and model not in catalogue.CATALOGUE:
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
    resolved = _check_params(model, params)
    versions = latest_versions(unit)
    if not versions:
        raise ValidationError(
            f"{unit.name}尚未导入任何数据集，无法运行模型。",
            fields={"unit": "没有数据集"},
        )
    with transaction.atomic():
        run = ModelRun.objects.create(
            model=model,
            engine=engine,
            params=_jsonable(resolved),
            unit=unit,
            status=RunStatus.RUNNING,
            data_versions={
                f"{v.dataset.kind}:{v.dataset_id}": v.pk
                for v in sorted(versions, key=lambda v: v.dataset_id)
            },
            created_by=actor,
            started_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=run,
            summary={"模型": model, "引擎": engine, "单位": unit.name},
        )
    try:
        with tempfile.TemporaryDirectory(
            dir=Path(settings.XIETONG_HOME) / "datasets"
        ) as workdir:
            hits = catalogue.run_models(
                _sources(versions, Path(workdir)),
                engine=engine,
                models=list(resolved),
                params=resolved,
            )
    except Exception as exc:  # the run is recorded as failed, with the reason
        return _finish_failed(actor, run, exc)
    return _store_hits(actor, run, hits)


def _finish_failed(actor, run: ModelRun, exc: Exception) -> ModelRun:
    message = str(exc) or exc.__class__.__name__
    with transaction.atomic():
        run.status = RunStatus.FAILED
        run.error = f"模型运行失败：{message}"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        audit_record(
            actor=actor,
            action=Action.TRANSITION,
            obj=run,
            summary={"状态": "失败", "错误": run.error[:500]},
        )
    return run


@transaction.atomic
def _store_hits(actor, run: ModelRun, hits: list[dict[str, Any]]) -> ModelRun:
    by_key = {hit_key(h): h for h in hits}
    known: set[str] = set()
    keys = list(by_key)
    for start in range(0, len(keys), _BATCH):
        chunk = keys[start : start + _BATCH]
        existing = Hit.objects.filter(unit=run.unit, identity__in=chunk)
        known.update(existing.values_list("identity", flat=True))
        existing.update(last_run=run)
    cipher = field_cipher()
    new = []
    for key, hit in by_key.items():
        if key in known:
            continue
        subject = hit.get("subject") or {}
        number = subject.get("id_number") or ""
        new.append(
            Hit(
                model=hit["model"],
                identity=key,
                unit=run.unit,
                first_run=run,
                last_run=run,
                evidence=hit["evidence"],
                subject_id_number_enc=cipher.encrypt(number) if number else "",
                subject_id_number_hash=id_lookup_hash(number) if number else "",
                subject_id_number_masked=mask_id_number(number) if number else "",
                subject_name=(subject.get("name") or "")[:64],
                reason=hit["reason"],
                confidence=hit["confidence"],
                matched_on=hit.get("matched_on", []),
                params=run.params.get(hit["model"], {}),
                data_versions=run.data_versions,
            )
        )
    Hit.objects.bulk_create(new, batch_size=_BATCH)
    run.status = RunStatus.DONE
    run.hits_new = len(new)
    run.hits_known = len(known)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "hits_new", "hits_known", "finished_at"])
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        obj=run,
        summary={"状态": "完成", "新发现": run.hits_new, "已知": run.hits_known},
    )
    return run
