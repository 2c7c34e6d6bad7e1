"""Imports every model module so metadata is complete (for Alembic and the app)."""

from crm.accounts.models import Account
from crm.admin.models import BranchOffice
from crm.audit import AuditLog
from crm.auth.models import LoginThrottle, User
from crm.jobs.models import BackgroundJob, ScheduledRun

__all__ = [
    "Account",
    "AuditLog",
    "BackgroundJob",
    "BranchOffice",
    "LoginThrottle",
    "ScheduledRun",
    "User",
]
