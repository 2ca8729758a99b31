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
    """The states of ``clues.workflow`` (the clue's state machine)."""

    REGISTERED = "registered", "待处置"
    OPINION = "opinion", "拟办意见待审批"
    INQUIRY = "inquiry", "谈话函询"
    VERIFICATION = "verification", "初步核实"
    SHELVED = "shelved", "暂存待查"
    CASE = "case", "立案审查调查"
    CLOSED = "closed", "予以了结"
    CONCLUDED = "concluded", "已办结"
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

    @property
    def is_open(self) -> bool:
        return self.status not in (
            ClueStatus.CLOSED,
            ClueStatus.CONCLUDED,
            ClueStatus.MERGED,
        )


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
        # Related clues: the same name and unit as reported (clues.related).
        indexes = [
            models.Index(
                fields=["name", "unit_name"], name="clue_subject_name_unit_idx"
            )
        ]

    def __str__(self):
        return self.name


class ClueSignature(models.Model):
    """One sampled content shingle of a clue's text (``matching.signature_keys``), for
    indexed related-clue look-up."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="signatures")
    key = models.BigIntegerField()

    class Meta:
        # (key, clue): the look-up reads clue ids from the index alone. No unique
        # constraint: the keys are written once per clue, distinct, and at a million
        # clues its index would cost as much as the table.
        indexes = [models.Index(fields=["key", "clue"], name="clue_signature_key_idx")]

    def __str__(self):
        return str(self.key)


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


# --- disposal (处置) ---------------------------------------------------------------------------


class DisposalMethod(models.TextChoices):
    INQUIRY = "inquiry", "谈话函询"
    VERIFICATION = "verification", "初步核实"
    SHELVED = "shelved", "暂存待查"
    CLOSED = "closed", "予以了结"
    CASE = "case", "立案审查调查"


class InquiryForm(models.TextChoices):
    TALK = "talk", "谈话"
    LETTER = "letter", "函询"


class DisposalStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class Disposal(models.Model):
    """A disposal opinion (拟办意见), its approval and the step it then runs."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="disposals")
    method = models.CharField("处置方式", max_length=16, choices=DisposalMethod.choices)
    inquiry_form = models.CharField(
        "谈话或函询", max_length=8, choices=InquiryForm.choices, blank=True
    )
    opinion = models.TextField("拟办意见")
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="承办单位"
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    drafted_at = models.DateTimeField(auto_now_add=True)
    needs_main_leader = models.BooleanField("须主要负责人审批", default=False)
    status = models.CharField(
        "审批状态",
        max_length=12,
        choices=DisposalStatus.choices,
        default=DisposalStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_comment = models.CharField("审批意见", max_length=255, blank=True)
    reply_due = models.DateField("回复期限", null=True, blank=True)
    reply_date = models.DateField("回复日期", null=True, blank=True)
    reply_text = models.TextField("谈话记录或书面回复", blank=True)
    report_text = models.TextField("初步核实报告", blank=True)
    report_date = models.DateField("报告日期", null=True, blank=True)

    class Meta:
        verbose_name = "处置意见"
        ordering = ["clue_id", "id"]
        indexes = [models.Index(fields=["status", "method"])]

    def __str__(self):
        return f"{self.clue} {self.get_method_display()}"


# --- transfer with two-way feedback (移送/转办/交办) ------------------------------------------


class TransferKind(models.TextChoices):
    TRANSFER = "transfer", "移送"
    REFER = "refer", "转办"
    ASSIGN = "assign", "交办"


class TransferStatus(models.TextChoices):
    """The states of ``clues.transfer_workflow``."""

    SENT = "sent", "待接收"
    ACCEPTED = "accepted", "已接收办理中"
    RETURNED = "returned", "已退回"
    FED_BACK = "fed_back", "已反馈办结"


class Transfer(models.Model):
    """A clue sent to another unit, with a feedback deadline in working days."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="transfers")
    kind = models.CharField("方式", max_length=12, choices=TransferKind.choices)
    from_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="transfers_out",
        verbose_name="移出单位",
    )
    to_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="transfers_in",
        verbose_name="接收单位",
    )
    reason = models.TextField("移送理由")
    feedback_workdays = models.PositiveIntegerField("反馈期限（工作日）")
    feedback_due = models.DateField("反馈截止日期")
    status = models.CharField(
        "状态",
        max_length=12,
        choices=TransferStatus.choices,
        default=TransferStatus.SENT,
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    sent_at = models.DateTimeField("移送时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField("接收或退回时间", null=True, blank=True)
    return_reason = models.TextField("退回理由", blank=True)
    fed_back_at = models.DateTimeField("办结反馈时间", null=True, blank=True)

    class Meta:
        verbose_name = "线索移送"
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["to_unit", "status"]),
            models.Index(fields=["from_unit", "status"]),
        ]

    def __str__(self):
        return f"{self.clue} {self.get_kind_display()}至{self.to_unit}"


class TransferNoteKind(models.TextChoices):
    PROGRESS = "progress", "进展反馈"
    RESULT = "result", "处置情况反馈"
    REMINDER = "reminder", "催办"


class TransferNote(models.Model):
    """Two-way traffic on a transfer: the receiver's feedback, the sender's reminders."""

    transfer = models.ForeignKey(
        Transfer, on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField("类别", max_length=12, choices=TransferNoteKind.choices)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="单位"
    )
    content = models.TextField("内容")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "移送反馈"
        ordering = ["transfer_id", "created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.content[:20]}"


# --- joint screening and joint cases (联合排查/联合查办) -----------------------------------


class JointTeam(models.Model):
    """A team from several units for one clue or case; members see that matter only."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField("专班名称", max_length=128)
    purpose = models.CharField(
        "类型",
        max_length=12,
        choices=[("screening", "联合排查"), ("case", "联合查办")],
        default="screening",
    )
    lead_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="牵头单位"
    )
    zone = models.ForeignKey(
        "org.CollaborationZone",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="协作区",
    )
    is_active = models.BooleanField("工作中", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "联合工作组"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class JointTeamMember(models.Model):
    team = models.ForeignKey(
        JointTeam, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_seats"
    )
    is_lead = models.BooleanField("组长", default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工作组成员"
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")
        ]

    def __str__(self):
        return f"{self.team} {self.user}"


class TeamLogKind(models.TextChoices):
    LOG = "log", "工作记录"
    DECISION = "decision", "集体决定"


class TeamLogEntry(models.Model):
    """The team's work log and decisions; they stay with the case."""

    team = models.ForeignKey(JointTeam, on_delete=models.CASCADE, related_name="log")
    kind = models.CharField("类别", max_length=12, choices=TeamLogKind.choices)
    text = models.TextField("内容")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工作组记录"
        ordering = ["team_id", "created_at", "id"]

    def __str__(self):
        return self.text[:20]


# --- outcomes: 四种形态, sanctions and influence periods -----------------------------------


class Form(models.IntegerChoices):
    FIRST = 1, "第一种形态"
    SECOND = 2, "第二种形态"
    THIRD = 3, "第三种形态"
    FOURTH = 4, "第四种形态"


class Outcome(models.Model):
    """How a closed clue or case ended for one person."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="outcomes")
    subject = models.ForeignKey(
        ClueSubject, on_delete=models.PROTECT, related_name="outcomes"
    )
    person = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
    )
    form = models.PositiveSmallIntegerField(
        "四种形态", choices=Form.choices, null=True, blank=True
    )
    conclusion = models.TextField("处理结论")
    decided_date = models.DateField("决定日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "处理结果"
        ordering = ["clue_id", "id"]

    def __str__(self):
        return f"{self.clue} {self.subject}"


class SanctionKind(models.TextChoices):
    PARTY_WARNING = "party_warning", "党内警告"
    PARTY_SERIOUS_WARNING = "party_serious_warning", "党内严重警告"
    PARTY_REMOVAL = "party_removal", "撤销党内职务"
    PARTY_PROBATION = "party_probation", "留党察看"
    PARTY_EXPULSION = "party_expulsion", "开除党籍"
    GOV_WARNING = "gov_warning", "政务警告"
    GOV_DEMERIT = "gov_demerit", "政务记过"
    GOV_MAJOR_DEMERIT = "gov_major_demerit", "政务记大过"
    GOV_DEMOTION = "gov_demotion", "政务降级"
    GOV_DISMISSAL = "gov_dismissal", "政务撤职"
    GOV_EXPULSION = "gov_expulsion", "政务开除"
    ADMONITION = "admonition", "诫勉"
    ORG_HANDLING = "org_handling", "组织处理"


class Sanction(models.Model):
    """A sanction, 诫勉 or 组织处理 with its influence period (影响期)."""

    outcome = models.ForeignKey(
        Outcome, on_delete=models.CASCADE, related_name="sanctions"
    )
    person = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sanctions",
    )
    kind = models.CharField("处分类别", max_length=24, choices=SanctionKind.choices)
    effective_date = models.DateField("生效日期")
    probation_months = models.PositiveSmallIntegerField(
        "留党察看期（月）", null=True, blank=True
    )
    influence_months = models.PositiveSmallIntegerField(
        "影响期（月）", null=True, blank=True
    )
    influence_end = models.DateField("影响期截止", null=True, blank=True)
    note = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "处分及处理"
        ordering = ["-effective_date", "id"]
        indexes = [models.Index(fields=["person", "influence_end"])]

    def __str__(self):
        return self.get_kind_display()


class CaseReport(models.Model):
    """案件剖析报告 of a case, feeding 以案促改."""

    clue = models.OneToOneField(
        Clue, on_delete=models.CASCADE, related_name="analysis_report"
    )
    title = models.CharField("标题", max_length=128)
    body = models.TextField("正文")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "案件剖析报告"

    def __str__(self):
        return self.title


# --- 党风廉政意见回复 -----------------------------------------------------------------------


class OpinionVerdict(models.TextChoices):
    NONE = "none", "无意见"
    DEFER = "defer", "暂缓"
    OBJECTION = "objection", "有意见"


class IntegrityBatch(models.Model):
    """A list of cadres an 组织部 liaison asks the commission to vet (党风廉政意见回复)."""

    requesting_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="征求单位"
    )
    commission = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="回复机关"
    )
    purpose = models.CharField("事由", max_length=128)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_at = models.DateTimeField("回复时间", null=True, blank=True)

    class Meta:
        verbose_name = "党风廉政意见征求"
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return self.purpose

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class IntegrityEntry(models.Model):
    """One person of a batch: what the commission knows, the proposed and final reply."""

    batch = models.ForeignKey(
        IntegrityBatch, on_delete=models.CASCADE, related_name="entries"
    )
    row = models.PositiveIntegerField("序号")
    name = models.CharField("姓名", max_length=64)
    id_masked = models.CharField("身份证号码", max_length=24)
    person = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposal = models.CharField(
        "建议意见", max_length=12, choices=OpinionVerdict.choices
    )
    reasons = models.JSONField("依据", default=list)
    reply = models.CharField(
        "回复意见", max_length=12, choices=OpinionVerdict.choices, blank=True
    )
    reply_note = models.CharField("回复说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "党风廉政意见"
        ordering = ["batch_id", "row"]

    def __str__(self):
        return self.name


# --- attachments ----------------------------------------------------------------------------


class Attachment(models.Model):
    """A file on a petition or clue: SM4-encrypted on disk, its SHA-256 kept for matching."""

    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    clue = models.ForeignKey(
        Clue,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    name = models.CharField("文件名", max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField(max_length=64, db_index=True)
    storage_key = models.CharField(max_length=80, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        ordering = ["id"]

    def __str__(self):
        return self.name
