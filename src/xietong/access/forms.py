from django import forms

from xietong.org.models import Unit

from .roles import Grant, Role


class LoginForm(forms.Form):
    username = forms.CharField(label="账号", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


class AccountCreateForm(forms.Form):
    username = forms.CharField(label="账号", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=64)
    unit = forms.ModelChoiceField(
        label="所在单位",
        queryset=Unit.objects.all(),
        widget=forms.NumberInput(attrs={"placeholder": "单位编号"}),
        error_messages={"invalid_choice": "所在单位不存在。"},
    )
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput)


class PasswordForm(forms.Form):
    password = forms.CharField(label="新密码", widget=forms.PasswordInput)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.choices)


class GrantForm(forms.Form):
    grant = forms.ChoiceField(label="授权", choices=Grant.choices)


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=64)
