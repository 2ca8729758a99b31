"""Forms of the analytics pages (datasets part; other areas keep ``forms_<area>.py``)."""

from __future__ import annotations

from django import forms

from xietong.analytics.models import DatasetKind
from xietong.analytics.readers import SUFFIXES

_DATE = forms.DateInput(attrs={"type": "date"})


class DatasetUploadForm(forms.Form):
    """Step 1 of an import: the file, what it holds, whose it is and its period."""

    file = forms.FileField(
        label="数据文件",
        error_messages={
            "required": "请选择要导入的文件。",
            "empty": "上传的文件是空的。",
            "invalid": "上传的文件无效。",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(SUFFIXES))}),
    )
    kind = forms.ChoiceField(
        label="数据集类型",
        choices=[("", "请选择")] + list(DatasetKind.choices),
        error_messages={
            "required": "请选择数据集类型。",
            "invalid_choice": "数据集类型无效。",
        },
    )
    unit = forms.ModelChoiceField(
        label="提供单位",
        queryset=None,
        empty_label="请选择",
        error_messages={
            "required": "请选择提供数据的单位。",
            "invalid_choice": "不能为该单位导入数据集。",
        },
    )
    name = forms.CharField(
        label="数据集名称",
        max_length=128,
        required=False,
        help_text="同一单位同一类型有多份数据时用名称区分；留空则用类型名称。",
    )
    period_start = forms.DateField(
        label="数据起始日期",
        required=False,
        widget=_DATE,
        error_messages={"invalid": "数据起始日期格式应为 2026-03-01。"},
    )
    period_end = forms.DateField(
        label="数据截止日期",
        required=False,
        widget=_DATE,
        error_messages={"invalid": "数据截止日期格式应为 2026-03-01。"},
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if units.count() == 1:
            self.fields["unit"].initial = units.first().pk

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error(
                "period_start", f"数据起始日期（{start}）不能晚于截止日期（{end}）。"
            )
        return data
