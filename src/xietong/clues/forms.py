from django import forms

from xietong.org.models import Unit, UnitKind

from .models import ClueSource, PetitionChannel

HANDLING_KINDS = (
    UnitKind.COMMISSION,
    UnitKind.TOWNSHIP_COMMISSION,
    UnitKind.STATIONED_GROUP,
)

DATE_ERRORS = {"invalid": "日期格式应为 2026-03-01。", "required": "请填写收到日期。"}


class ClueForm(forms.Form):
    source = forms.ChoiceField(
        label="线索来源", choices=[("", "请选择")] + ClueSource.choices
    )
    received_date = forms.DateField(
        label="收到日期",
        input_formats=["%Y-%m-%d"],
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    summary = forms.CharField(
        label="主要问题", widget=forms.Textarea(attrs={"rows": 4})
    )
    subject_id_number = forms.CharField(
        label="被反映人身份证号码", max_length=32, required=False
    )
    subject_name = forms.CharField(label="被反映人姓名", max_length=64, required=False)
    subject_unit = forms.CharField(
        label="被反映人单位及职务", max_length=128, required=False
    )
    owner_unit = forms.TypedChoiceField(
        label="改由其他单位承办（可不选）",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "所选承办单位不存在或已停用。"},
    )
    override_reason = forms.CharField(
        label="改变承办单位的理由", max_length=255, required=False
    )
    petition = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The units that can handle a clue: commissions, township commissions and
        # stationed groups (分级负责、归口办理), in the organisation tree's order.
        self.fields["owner_unit"].choices = [("", "按平台建议")] + [
            (pk, name)
            for pk, name in Unit.objects.filter(kind__in=HANDLING_KINDS, is_active=True)
            .order_by("path")
            .values_list("pk", "name")
        ]


class PetitionForm(forms.Form):
    channel = forms.ChoiceField(label="渠道", choices=PetitionChannel.choices)
    received_date = forms.DateField(
        label="收到日期",
        input_formats=["%Y-%m-%d"],
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    content = forms.CharField(
        label="举报内容", widget=forms.Textarea(attrs={"rows": 5})
    )
    real_name = forms.BooleanField(label="实名举报", required=False)
    reporter_name = forms.CharField(label="举报人姓名", max_length=64, required=False)
    reporter_phone = forms.CharField(label="举报人电话", max_length=20, required=False)
    reporter_id_number = forms.CharField(
        label="举报人身份证号码", max_length=32, required=False
    )
