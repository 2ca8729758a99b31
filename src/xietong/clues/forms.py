from django import forms

from .models import ClueSource, PetitionChannel

DATE_ERRORS = {"invalid": "日期格式应为 2026-03-01。", "required": "请填写收到日期。"}


class ClueForm(forms.Form):
    source = forms.ChoiceField(
        label="线索来源", choices=[("", "请选择")] + ClueSource.choices
    )
    received_date = forms.DateField(
        label="收到日期",
        input_formats=["%Y-%m-%d"],
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}),
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
    owner_unit = forms.IntegerField(
        label="改由其他单位承办（单位编号，可不填）", required=False
    )
    override_reason = forms.CharField(
        label="改变承办单位的理由", max_length=255, required=False
    )


class PetitionForm(forms.Form):
    channel = forms.ChoiceField(label="渠道", choices=PetitionChannel.choices)
    received_date = forms.DateField(
        label="收到日期",
        input_formats=["%Y-%m-%d"],
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}),
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
