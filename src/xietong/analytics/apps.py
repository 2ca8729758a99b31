from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "xietong.analytics"
    verbose_name = "数据分析"

    def ready(self):
        self._register_encrypted_fields()

    @staticmethod
    def _register_encrypted_fields():
        """Key rotation re-encrypts the subject ID numbers of hits too."""
        from xietong.org.keys import ENCRYPTED_FIELDS

        entry = ("analytics.Hit", ("subject_id_number_enc",))
        if entry not in ENCRYPTED_FIELDS:
            ENCRYPTED_FIELDS.append(entry)
