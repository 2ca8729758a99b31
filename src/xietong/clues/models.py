"""Petitions (信访举报) and problem clues (问题线索) with their central registration numbers."""

from django.conf import settings
from django.db import models


class PetitionChannel(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    PHONE = "phone", "电话"
    ONLINE = "online", "网络"
    OTHER = "other", "其他"


class Petition(models.Model):
    """A report received by a 信访 office. Reporter identity is SM4 ciphertext."""

    receiving_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name="受理单位",
    )
    channel = models.CharField("渠道", max_length=8, choices=PetitionChannel.choices)
    real_name = models.BooleanField("实名举报", default=False)
    reporter_name_enc = models.TextField(blank=True, editable=False)
    reporter_phone_enc = models.TextField(blank=True, editable=False)
    reporter_id_enc = models.TextField(blank=True, editable=False)
    received_date = models.DateField("收到日期")
    content = models.TextField("举报内容")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "信访举报"
        ordering = ["-received_date", "-id"]

    def __str__(self):
        return f"{self.get_channel_display()}举报（{self.received_date}）"


class ClueSource(models.TextChoices):
    PETITION = "petition", "信访举报"
    INSPECTION = "inspection", "巡视巡察移交"
    AUDIT = "audit", "审计移交"
    PROCURATORATE = "procuratorate", "检察机关移送"
    SUPERVISION = "supervision", "监督检查发现"
    HIGHER = "higher", "上级交办"
    BIG_DATA = "big_data", "大数据预警"
    QR_CODE = "qr_code", "群众码上反映"
    OTHER = "other", "其他"


class ClueStatus(models.TextChoices):
    REGISTERED = "registered", "已登记"
    MERGED = "merged", "已合并"


class ClueCounter(models.Model):
    """The last number issued by a commission in a year; locked while a number is taken."""

    commission = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["commission", "year"], name="unique_clue_counter"
            )
        ]

    def __str__(self):
        return f"{self.commission_id} {self.year}: {self.last}"


class Clue(models.Model):
    """One problem clue: one record every competent party sees, from intake to outcome."""

    number = models.CharField("线索编号", max_length=64, unique=True)
    commission = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="numbered_clues",
        verbose_name="登记机关",
    )
    year = models.PositiveIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    source = models.CharField("来源", max_length=16, choices=ClueSource.choices)
    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, null=True, blank=True, related_name="clues"
    )
    received_date = models.DateField("收到日期")
    summary = models.TextField("主要问题")
    registering_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="registered_clues",
        verbose_name="登记部门",
    )
    owner_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="owned_clues",
        verbose_name="承办单位",
    )
    proposed_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="建议承办单位",
    )
    override_reason = models.CharField("改变承办单位的理由", max_length=255, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_clues",
        verbose_name="并入线索",
    )
    status = models.CharField(
        "状态", max_length=16, choices=ClueStatus.choices, default=ClueStatus.REGISTERED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "问题线索"
        ordering = ["-year", "-seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["commission", "year", "seq"], name="unique_clue_seq"
            )
        ]
        indexes = [models.Index(fields=["owner_unit", "status"])]

    def __str__(self):
        return self.number


class ClueSubject(models.Model):
    """A person a clue concerns: a registry person, or name and unit as reported."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clue_subjects",
    )
    name = models.CharField("姓名", max_length=64)
    unit_name = models.CharField("单位", max_length=128, blank=True)

    class Meta:
        verbose_name = "被反映人"
        ordering = ["clue_id", "id"]

    def __str__(self):
        return self.name


class ClueSignature(models.Model):
    """One MinHash signature key of a clue's text, for indexed related-clue look-up."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="signatures")
    key = models.CharField(max_length=24, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clue", "key"], name="unique_clue_signature"
            )
        ]

    def __str__(self):
        return self.key


class LinkKind(models.TextChoices):
    LINK = "link", "关联"
    MERGE = "merge", "合并"


class ClueLink(models.Model):
    """Two clues recorded as related (关联) or one merged into the other (合并)."""

    from_clue = models.ForeignKey(
        Clue, on_delete=models.CASCADE, related_name="links_out"
    )
    to_clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField("方式", max_length=8, choices=LinkKind.choices)
    reason = models.CharField("理由", max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "线索关联"
        constraints = [
            models.UniqueConstraint(
                fields=["from_clue", "to_clue"], name="unique_clue_link"
            )
        ]

    def __str__(self):
        return f"{self.from_clue} {self.get_kind_display()} {self.to_clue}"
