"""What the platform's own runs of the collusion screens screened (docs/supervision.md,
"Runs"): one `CollusionRun` per run, one `CollusionScreening` per tender it screened.

Declared in the `supervision` app (supervision/models.py imports them); migration
supervision 0002_collusion_runs.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from trading.models import Tender


class CollusionRunKind(models.TextChoices):
    # The tenders opened since the last run and not yet screened.
    OPENING = "opening", _("At the opening")
    # Every tender opened in the last COLLUSION_NIGHTLY_DAYS days, then the screens across tenders.
    NIGHTLY = "nightly", _("Nightly")


class CollusionRun(models.Model):
    """One run of the screens by the platform, with what it screened and raised."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=CollusionRunKind.choices)
    started_at = models.DateTimeField(_("started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The tenders whose opening was finalised from this moment on were looked at.
    opened_since = models.DateTimeField(_("openings since"))
    tenders_screened = models.PositiveIntegerField(_("tenders screened"), default=0)
    # Alerts raised by the screens of each tender, then by the screens across tenders.
    alerts_raised = models.PositiveIntegerField(_("alerts raised"), default=0)
    across_alerts_raised = models.PositiveIntegerField(_("alerts raised across tenders"), default=0)
    # [{"tender": id, "error": "…"}]: a tender whose screen failed stays due for the next run.
    failures = models.JSONField(_("failures"), default=list, blank=True)

    class Meta:
        app_label = "supervision"
        verbose_name = _("collusion screening run")
        verbose_name_plural = _("collusion screening runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} run of {self.started_at:%Y-%m-%d %H:%M}"


class CollusionScreening(models.Model):
    """One tender screened by one run: written with the alerts it raised, in one transaction."""

    run = models.ForeignKey(CollusionRun, on_delete=models.PROTECT, related_name="screenings")
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="+")
    screened_at = models.DateTimeField(_("screened at"))
    bids_screened = models.PositiveIntegerField(_("bids screened"))
    findings = models.PositiveIntegerField(_("findings"))
    alerts_raised = models.PositiveIntegerField(_("alerts raised"))

    class Meta:
        app_label = "supervision"
        verbose_name = _("tender screened for collusion")
        verbose_name_plural = _("tenders screened for collusion")
        constraints = [
            models.UniqueConstraint(fields=["run", "tender"], name="collusion_screening_once_a_run")
        ]

    def __str__(self) -> str:
        return f"{self.tender_id} in run {self.run_id}"
