"""Authentication backend that refuses locked and disabled accounts."""

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone


class LockoutBackend(ModelBackend):
    def user_can_authenticate(self, user):
        if user.locked_until and user.locked_until > timezone.now():
            return False
        return super().user_can_authenticate(user)
