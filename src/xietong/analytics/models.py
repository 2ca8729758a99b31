"""Datasets imported for the supervision models, the runs of those models and their hits.

The rules themselves live in the Django-free ``analytics.engine``; these models record
what was imported (versioned Parquet files under ``XIETONG_HOME/datasets``), which run
used which versions and parameters, and what each hit says and how it was triaged.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import models

from xietong.analytics.engine import CATALOGUE, DATASETS
from xietong.org.models import Unit

DatasetKind = models.TextChoices(
    "DatasetKind", [(name, (name, spec.label)) for name, spec in DATASETS.items()]
)
ModelKey = models.TextChoices(
    "ModelKey", [(key, (key, m.label)) for key, m in CATALOGUE.items()]
)
ALL_MODELS = "all"


class Engine(models.TextChoices):
    DUCKDB = "duckdb", "DuckDB（内嵌）"
    SPARK = "spark", "Apache Spark"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


class HitStatus(models.TextChoices):
    NEW = "new", "待研判"
    DISMISSED = "dismissed", "已排除"
    TO_CLUE = "to_clue", "转为线索"
    TO_PROBLEM = "to_problem", "转为问题"
    TO_RISK = "to_risk", "转为风险"


class ScheduleEvery(models.TextChoices):
    DAILY = "daily", "每天"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"


class Dataset(models.Model):
    """One standard dataset a unit holds (户籍人口 of 公安局…); its data is versioned."""

    kind = models.CharField("数据集类型", max_length=20, choices=DatasetKind.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="datasets",
        verbose_name="所属单位",
    )
    name = models.CharField("名称", max_length=128)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "数据集"
        ordering = ["unit_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "name"], name="dataset_unit_kind_name_uniq"
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"


class DatasetVersion(models.Model):
    """One import of a dataset: a normalised Parquet file and its import report."""

    dataset = models.ForeignKey(
        Dataset, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    # Relative to XIETONG_HOME: datasets/<dataset_id>/v<number>.parquet
    file = models.CharField("数据文件", max_length=255)
    rows = models.BigIntegerField("行数")
    source_name = models.CharField("原始文件名", max_length=255)
    source_encoding = models.CharField("原始编码", max_length=32, blank=True)
    column_mapping = models.JSONField("列对应关系", default=dict)
    report = models.JSONField("规范化报告", default=dict)
    period_start = models.DateField("数据起始日期", null=True, blank=True)
    period_end = models.DateField("数据截止日期", null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="导入人",
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "数据集版本"
        ordering = ["dataset_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "number"], name="dataset_version_number_uniq"
            )
        ]

    def __str__(self):
        return f"{self.dataset} 第 {self.number} 版"

    @property
    def path(self) -> Path:
        """Absolute path of the Parquet file."""
        return Path(settings.XIETONG_HOME) / self.file


class ModelRun(models.Model):
    """One run of one model (or the whole catalogue) over a unit's latest datasets."""

    model = models.CharField("模型", max_length=32)
    engine = models.CharField(
        "引擎", max_length=10, choices=Engine.choices, default=Engine.DUCKDB
    )
    params = models.JSONField("参数", default=dict)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="model_runs", verbose_name="范围"
    )
    status = models.CharField(
        "状态", max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    # What the run is pointed at, beyond the data of ``unit``: a region (code prefix)
    # or a target unit (被巡察单位, "一键抓取"); empty for the unit's whole data.
    scope = models.JSONField("抓取范围", default=dict, blank=True)
    custom_model = models.ForeignKey(
        "CustomModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name="自定义模型",
    )
    schedule = models.ForeignKey(
        "RunSchedule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name="定时任务",
    )
    data_versions = models.JSONField("数据版本", default=dict)
    # Background job: progress in models done of models to run, a cancel request the
    # worker honours between (and during) models, a heartbeat so a run whose worker
    # died is taken up again after a restart.
    progress_done = models.PositiveIntegerField("已完成", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    progress_note = models.CharField("进度说明", max_length=128, blank=True)
    cancel_requested = models.BooleanField("已请求取消", default=False)
    heartbeat_at = models.DateTimeField("心跳", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    hits_new = models.PositiveIntegerField("新发现", default=0)
    hits_known = models.PositiveIntegerField("已知", default=0)
    error = models.TextField("错误信息", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发起人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "模型运行"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        label = "全部模型" if self.model == ALL_MODELS else self.model_label
        return f"{label} #{self.pk}"

    @property
    def model_label(self) -> str:
        if self.model == ALL_MODELS:
            return "全部模型"
        return ModelKey(self.model).label if self.model in ModelKey.values else ""


class Hit(models.Model):
    """One finding of a model: its evidence, why, and what the analyst decided.

    A hit is identified by its model and the keys of its primary evidence rows
    (``engine.hit_identity``) within the unit whose data produced it, so re-running
    a model never duplicates it.
    """

    # A built-in model's key, or "custom" with ``custom_model`` set.
    model = models.CharField("模型", max_length=32)
    identity = models.CharField("标识", max_length=64, editable=False)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="hits", verbose_name="数据所属单位"
    )
    first_run = models.ForeignKey(
        ModelRun, on_delete=models.PROTECT, related_name="+", verbose_name="首次发现"
    )
    last_run = models.ForeignKey(
        ModelRun,
        on_delete=models.PROTECT,
        related_name="hits",
        verbose_name="最近发现",
    )
    # Evidence keys and the reason sentence can hold ID numbers (a death register is
    # keyed by them): the columns keep a masked copy for lists and search, the full
    # text is SM4-encrypted beside it (empty when nothing needed masking).
    evidence = models.JSONField("证据", default=dict)
    evidence_enc = models.TextField(blank=True, editable=False)
    subject_id_number_enc = models.TextField(blank=True, editable=False)
    subject_id_number_hash = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False
    )
    subject_id_number_masked = models.CharField("身份证号码", max_length=18, blank=True)
    subject_name = models.CharField("姓名", max_length=64, blank=True)
    reason = models.TextField("说明")
    reason_enc = models.TextField(blank=True, editable=False)
    confidence = models.FloatField("置信度", default=1.0)
    matched_on = models.JSONField("匹配字段", default=list)
    params = models.JSONField("参数", default=dict)
    data_versions = models.JSONField("数据版本", default=dict)
    status = models.CharField(
        "研判状态", max_length=12, choices=HitStatus.choices, default=HitStatus.NEW
    )
    triage_reason = models.TextField("研判意见", blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="研判人",
    )
    triaged_at = models.DateTimeField("研判时间", null=True, blank=True)
    custom_model = models.ForeignKey(
        "CustomModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hits",
        verbose_name="自定义模型",
    )
    clue = models.ForeignKey(
        "clues.Clue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="转成的线索",
    )
    created_at = models.DateTimeField("发现时间", auto_now_add=True)

    class Meta:
        verbose_name = "预警线索"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "identity"], name="hit_unit_identity_uniq"
            )
        ]
        indexes = [models.Index(fields=["unit", "model", "status"])]

    def __str__(self):
        return f"{self.model_label}：{self.subject_name or self.identity[:8]}"

    def evidence_keys(self) -> dict:
        """The evidence with its full keys (decrypted), to look the rows up."""
        if not self.evidence_enc:
            return self.evidence
        from xietong.core.crypto import field_cipher

        return json.loads(field_cipher().decrypt(self.evidence_enc))

    def full_reason(self) -> str:
        """The reason sentence as the model wrote it, ID numbers included."""
        if not self.reason_enc:
            return self.reason
        from xietong.core.crypto import field_cipher

        return field_cipher().decrypt(self.reason_enc)

    @property
    def model_label(self) -> str:
        """The built-in model's Chinese name, or the custom model's own name."""
        if self.custom_model_id is not None:
            return self.custom_model.name
        return ModelKey(self.model).label if self.model in ModelKey.values else ""


class DatasetImport(models.Model):
    """An uploaded file being imported in the background, with its progress.

    The upload is staged under ``XIETONG_HOME/datasets/incoming``; the worker turns it
    into a :class:`DatasetVersion` (all or nothing) or records why it was refused,
    with the per-row errors. A staged file is removed once the import ends.
    """

    kind = models.CharField("数据集类型", max_length=20, choices=DatasetKind.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name="所属单位"
    )
    name = models.CharField("名称", max_length=128, blank=True)
    staged_file = models.CharField("暂存文件", max_length=255)
    source_name = models.CharField("原始文件名", max_length=255)
    source_bytes = models.BigIntegerField("文件大小", default=0)
    mapping = models.JSONField("列对应关系", default=dict, blank=True)
    period_start = models.DateField("数据起始日期", null=True, blank=True)
    period_end = models.DateField("数据截止日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    rows_done = models.BigIntegerField("已处理行数", default=0)
    bytes_done = models.BigIntegerField("已读字节", default=0)
    error = models.TextField("错误信息", blank=True)
    error_fields = models.JSONField("错误明细", default=dict, blank=True)
    version = models.ForeignKey(
        DatasetVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="导入结果",
    )
    cancel_requested = models.BooleanField("已请求取消", default=False)
    heartbeat_at = models.DateTimeField("心跳", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="导入人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据集导入任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"导入 {self.source_name}（{self.get_status_display()}）"


class RunSchedule(models.Model):
    """A model (or the whole catalogue) run again and again over a unit's data."""

    model = models.CharField("模型", max_length=32)
    custom_model = models.ForeignKey(
        "CustomModel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="schedules",
        verbose_name="自定义模型",
    )
    engine = models.CharField(
        "引擎", max_length=10, choices=Engine.choices, default=Engine.DUCKDB
    )
    params = models.JSONField("参数", default=dict, blank=True)
    scope = models.JSONField("抓取范围", default=dict, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name="范围"
    )
    every = models.CharField(
        "周期",
        max_length=10,
        choices=ScheduleEvery.choices,
        default=ScheduleEvery.DAILY,
    )
    next_run_at = models.DateTimeField("下次运行时间")
    enabled = models.BooleanField("启用", default=True)
    # Why the platform switched it off (empty when a user did, or while enabled).
    disabled_reason = models.CharField("停用原因", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "定时运行"
        ordering = ["next_run_at", "id"]

    def __str__(self):
        return f"{self.model}（{self.get_every_display()}）"


class CustomModel(models.Model):
    """An analyst's own read-only SQL over the imported datasets, shared in a unit.

    ``params`` declares the query's parameters (``$name`` in the SQL) as a list of
    ``{"name", "label", "type": int|float|str|date, "default", "min", "max"}``.
    """

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name="所属单位"
    )
    name = models.CharField("名称", max_length=128)
    description = models.TextField("说明", blank=True)
    sql = models.TextField("SQL")
    params = models.JSONField("参数", default=list, blank=True)
    # A hit's sentence, with {column} placeholders filled from the result row.
    reason_template = models.CharField("预警说明模板", max_length=255, blank=True)
    shared = models.BooleanField("本单位共享", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "自定义模型"
        ordering = ["unit_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"], name="custom_model_unit_name_uniq"
            )
        ]

    def __str__(self):
        return self.name
