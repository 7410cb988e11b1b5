from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One run of a scheduled job, by beat or by hand (``runjob``)."""

    name = models.CharField(_("job"), max_length=100, db_index=True)
    as_of = models.DateTimeField(_("as of"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), null=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.name} @ {self.as_of:%Y-%m-%d %H:%M}"

    def finish(self, *, ok: bool, summary: str) -> None:
        self.finished_at = timezone.now()
        self.ok = ok
        self.summary = summary
        self.save(update_fields=["finished_at", "ok", "summary"])
