from django.core import checks
from django.utils.module_loading import import_string


@checks.register()
def jobs_resolve(app_configs, **kwargs):
    """Every registered job must name a function that exists."""
    from propertydesk.jobs import JOBS

    errors = []
    for job in JOBS:
        try:
            import_string(job.func)
        except ImportError as exc:
            errors.append(checks.Error(f"Job {job.name}: {exc}", id="propertydesk.E001"))
    return errors
