from django import forms

from .models import ManagementLevel, PartnerKind, PersonStatus, Relation, UnitKind


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region.name}）"


class _ReachMixin:
    """The unit field lists only units in which the user may register persons."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from xietong.access.policies import person_units

        self.fields["unit"] = UnitChoiceField(
            label="所在单位",
            queryset=person_units(user)
            .select_related("region")
            .order_by("region__code", "sort_order", "id"),
            empty_label="请选择单位",
            error_messages={"invalid_choice": "所在单位不存在或不在您的管辖范围内"},
        )
        order = list(self.fields)
        order.remove("unit")
        order.insert(order.index("position"), "unit")
        self.order_fields(order)


LEVEL_CHOICES = [("", "请选择")] + ManagementLevel.choices


class PersonForm(_ReachMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=64)
    id_number = forms.CharField(label="身份证号码", max_length=32)
    unit = forms.IntegerField(label="所在单位")
    position = forms.CharField(label="职务", max_length=64, required=False)
    management_level = forms.ChoiceField(label="干部管理权限", choices=LEVEL_CHOICES)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    is_party_member = forms.BooleanField(label="中共党员", required=False, initial=True)
    is_top_leader = forms.BooleanField(label="一把手", required=False)


class PersonEditForm(_ReachMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=64)
    unit = forms.IntegerField(label="所在单位")
    position = forms.CharField(label="职务", max_length=64, required=False)
    management_level = forms.ChoiceField(
        label="干部管理权限", choices=ManagementLevel.choices
    )
    status = forms.ChoiceField(label="状态", choices=PersonStatus.choices)
    is_party_member = forms.BooleanField(label="中共党员", required=False)
    is_top_leader = forms.BooleanField(label="一把手", required=False)
    effective_date = forms.DateField(
        label="变动生效日期",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "日期格式应为 2026-03-01。"},
    )


class RelativeForm(forms.Form):
    relation = forms.ChoiceField(label="关系", choices=Relation.choices)
    name = forms.CharField(label="姓名", max_length=64)
    id_number = forms.CharField(label="身份证号码", max_length=32, required=False)
    work_unit = forms.CharField(label="工作单位及职务", max_length=128, required=False)


class UnitForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=128)
    kind = forms.ChoiceField(label="单位类别", choices=UnitKind.choices)
    region_code = forms.CharField(label="所在区划代码", max_length=12)
    parent = forms.IntegerField(label="上级单位编号", required=False)
    uscc = forms.CharField(label="统一社会信用代码", max_length=24, required=False)
    partner_kind = forms.ChoiceField(
        label="协作单位类型", choices=[("", "—")] + PartnerKind.choices, required=False
    )
    supervised_regions = forms.CharField(
        label="监督区域代码",
        required=False,
        help_text="监督单位适用，多个用逗号分隔，含下级区划",
    )
    host_units = forms.CharField(
        label="派驻单位编号",
        required=False,
        help_text="派驻纪检监察组适用，多个用逗号分隔",
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
