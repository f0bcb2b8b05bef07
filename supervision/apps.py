from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        # A misconfigured alert rule stops every process at start-up (web, worker, beat,
        # manage.py), naming the rule: a rule silently off is a supervisor silently blind.
        from supervision.rules.engine import rules_ready

        rules_ready()
