from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # A wrong operators' network stops start-up, named, rather than every probe later.
        from monitoring.operations import operations_networks

        operations_networks()
