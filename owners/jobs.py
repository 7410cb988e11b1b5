"""Scheduled jobs of the registry (registered in propertydesk/jobs.py)."""

from datetime import datetime

from owners.services import registry_check_run


def registry_check(*, as_of: datetime) -> str:
    check = registry_check_run(as_of=as_of)
    return (
        f"{check.units_without_owner} units without an owner, "
        f"{check.owners_without_phone} owners without a phone, "
        f"{check.owners_without_unit} owners without a unit"
    )
