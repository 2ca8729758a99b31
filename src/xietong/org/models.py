"""Organisation registry: regions, units, collaboration zones, supervised persons."""

from django.db import models
from django.urls import reverse


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县(市、区)"
    TOWNSHIP = "township", "乡镇(街道)"
    VILLAGE = "village", "村(社区)"


class Region(models.Model):
    """A GB/T 2260 administrative region (township and village by statistical code)."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Materialised path of codes ("410000/410100/410102/") for subtree queries.
    path = models.CharField(max_length=128, db_index=True, editable=False)

    class Meta:
        verbose_name = "行政区划"
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def full_name(self) -> str:
        """Names from province down, e.g. 河南省郑州市金水区."""
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class UnitKind(models.TextChoices):
    COMMISSION = "commission", "纪委监委"
    DEPARTMENT = "department", "委机关内设部门"
    SUPERVISION_OFFICE = "supervision_office", "监督检查室"
    INVESTIGATION_OFFICE = "investigation_office", "审查调查室"
    CASE_MANAGEMENT = "case_management", "案件监督管理室"
    PETITION_OFFICE = "petition_office", "信访室"
    CONDUCT_OFFICE = "conduct_office", "党风政风监督室"
    TRIAL_OFFICE = "trial_office", "案件审理室"
    STATIONED_GROUP = "stationed_group", "派驻纪检监察组"
    INSPECTION_OFFICE = "inspection_office", "巡视巡察机构"
    TOWNSHIP_COMMISSION = "township_commission", "乡镇(街道)纪(工)委"
    PARTY_COMMITTEE = "party_committee", "党委/党组"
    GOV_DEPARTMENT = "gov_department", "政府部门"
    SOE = "soe", "国有企业"
    SCHOOL = "school", "公立院校"
    HOSPITAL = "hospital", "公立医院"
    MASS_ORG = "mass_org", "群团组织"
    VILLAGE = "village", "村"
    COMMUNITY = "community", "社区"
    PARTNER = "partner", "协作单位"


COMMISSION_DEPARTMENT_KINDS = frozenset(
    {
        UnitKind.DEPARTMENT,
        UnitKind.SUPERVISION_OFFICE,
        UnitKind.INVESTIGATION_OFFICE,
        UnitKind.CASE_MANAGEMENT,
        UnitKind.PETITION_OFFICE,
        UnitKind.CONDUCT_OFFICE,
        UnitKind.TRIAL_OFFICE,
    }
)
SUPERVISING_KINDS = frozenset(
    {
        UnitKind.COMMISSION,
        UnitKind.STATIONED_GROUP,
        UnitKind.INSPECTION_OFFICE,
        UnitKind.TOWNSHIP_COMMISSION,
    }
    | COMMISSION_DEPARTMENT_KINDS
)


class PartnerKind(models.TextChoices):
    PROCURATORATE = "procuratorate", "检察院"
    AUDIT = "audit", "审计局"
    ORGANISATION = "organisation", "组织部"
    FINANCE = "finance", "财政局"
    PETITION_BUREAU = "petition_bureau", "信访局"
    COURT = "court", "法院"
    PUBLIC_SECURITY = "public_security", "公安局"
    OTHER = "other", "其他"


class Unit(models.Model):
    """Any organisation: commissions and their offices, supervised bodies, partners."""

    name = models.CharField("单位名称", max_length=128)
    kind = models.CharField("单位类别", max_length=24, choices=UnitKind.choices)
    partner_kind = models.CharField(
        "协作单位类型", max_length=24, choices=PartnerKind.choices, blank=True
    )
    uscc = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, null=True, blank=True
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="units", verbose_name="所在区划"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级单位",
    )
    # Materialised path of ids ("/12/57/") for subtree queries.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    supervised_regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="supervisors",
        verbose_name="监督区域",
        help_text="该监督单位负责的行政区划（含下级区划）",
    )
    host_units = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="stationed_groups",
        verbose_name="派驻单位",
        help_text="派驻纪检监察组所监督的综合监督单位",
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        verbose_name = "单位"
        ordering = ["sort_order", "id"]
        indexes = [models.Index(fields=["kind"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("org:unit", args=[self.pk])

    @property
    def is_supervising(self) -> bool:
        return self.kind in SUPERVISING_KINDS

    @property
    def is_commission_department(self) -> bool:
        return self.kind in COMMISSION_DEPARTMENT_KINDS


class CollaborationZone(models.Model):
    """联动协作区: offices, stationed groups and township commissions working together."""

    name = models.CharField("协作区名称", max_length=64)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="区划")
    lead_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="led_zones",
        verbose_name="牵头单位",
    )
    members = models.ManyToManyField(
        Unit, related_name="zones", verbose_name="成员单位"
    )

    class Meta:
        verbose_name = "联动协作区"
        ordering = ["id"]

    def __str__(self):
        return self.name


class CollaborationGroup(models.Model):
    """协作组 inside a zone."""

    zone = models.ForeignKey(
        CollaborationZone, on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField("协作组名称", max_length=64)
    lead_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="led_groups",
        verbose_name="组长单位",
    )
    members = models.ManyToManyField(Unit, related_name="collab_groups")

    class Meta:
        verbose_name = "协作组"
        ordering = ["id"]

    def __str__(self):
        return self.name


class ManagementLevel(models.TextChoices):
    PROVINCE = "province", "省管"
    CITY = "city", "市管"
    COUNTY = "county", "县管"
    TOWNSHIP = "township", "乡管"
    OTHER = "other", "其他"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class PersonStatus(models.TextChoices):
    SERVING = "serving", "在职"
    LEFT = "left", "离任"
    RETIRED = "retired", "退休"


class Person(models.Model):
    """监督对象. ID and phone numbers are SM4 ciphertext; look-up goes by keyed hash."""

    name = models.CharField("姓名", max_length=64, db_index=True)
    id_number_enc = models.TextField("身份证号码(密文)", editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField("身份证号码", max_length=18, editable=False)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    phone_enc = models.TextField("手机号码(密文)", blank=True, editable=False)
    phone_hash = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="persons", verbose_name="所在单位"
    )
    position = models.CharField("职务", max_length=64, blank=True)
    management_level = models.CharField(
        "干部管理权限", max_length=12, choices=ManagementLevel.choices
    )
    is_party_member = models.BooleanField("中共党员", default=True)
    is_top_leader = models.BooleanField("一把手", default=False)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=PersonStatus.choices,
        default=PersonStatus.SERVING,
    )
    verified = models.BooleanField(
        "已核实", default=True, help_text="由线索等途径临时录入、尚未核实的人员为否"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "监督对象"
        ordering = ["unit_id", "-is_top_leader", "id"]
        indexes = [
            models.Index(fields=["unit", "name"]),
            # Covers the home-page counts (one index scan, no table reads).
            models.Index(
                fields=["unit", "verified", "is_top_leader"], name="person_stats_idx"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("org:person", args=[self.pk])


class Posting(models.Model):
    """One period of a person in a unit and position (任职经历)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="postings"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="postings")
    position = models.CharField("职务", max_length=64, blank=True)
    start_date = models.DateField("起始日期")
    end_date = models.DateField("终止日期", null=True, blank=True)

    class Meta:
        verbose_name = "任职经历"
        ordering = ["person_id", "-start_date"]

    def __str__(self):
        return f"{self.person} {self.unit} {self.position}"


class Relation(models.TextChoices):
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    CHILD_SPOUSE = "child_spouse", "子女配偶"
    PARENT = "parent", "父母"
    SIBLING = "sibling", "兄弟姐妹"


class Relative(models.Model):
    """A relative of a supervised person, used for avoidance and data models."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="relatives"
    )
    relation = models.CharField("关系", max_length=16, choices=Relation.choices)
    name = models.CharField("姓名", max_length=64)
    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField("身份证号码", max_length=18, blank=True)
    work_unit = models.CharField("工作单位及职务", max_length=128, blank=True)
    linked_person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="亲属本人也是监督对象时",
    )

    class Meta:
        verbose_name = "亲属"
        ordering = ["person_id", "id"]

    def __str__(self):
        return f"{self.person} 的{self.get_relation_display()} {self.name}"
