from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "xietong.clues"
    verbose_name = "问题线索"

    def ready(self):
        from . import dashboard  # noqa: F401  (registers the home-page counters)

        self._register_archive_section()

    @staticmethod
    def _register_archive_section():
        """The person archive shows sanctions, outcomes and open clues (need to know)."""
        from xietong.org.views import ARCHIVE_SECTIONS

        from .views.outcomes import archive_section

        entry = ("问题线索与处分", "clues/archive_section.html", archive_section)
        if not any(title == entry[0] for title, _, _ in ARCHIVE_SECTIONS):
            ARCHIVE_SECTIONS.append(entry)
