"""Scheduled jobs of the gate (registered in propertydesk/jobs.py)."""

from datetime import datetime

from gate.services import tenant_leases_end


def tenant_leases(*, as_of: datetime) -> str:
    return f"{tenant_leases_end(as_of=as_of)} tenants' logins ended: their lease was over"
