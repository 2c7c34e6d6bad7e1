"""Imports every model module so metadata is complete (for Alembic and the app)."""

from crm.accounts.models import Account, KeyPerson, Position
from crm.admin.models import BranchOffice
from crm.audit import AuditLog
from crm.auth.models import LoginThrottle, User
from crm.jobs.models import BackgroundJob, ScheduledRun
from crm.meetings.models import Task

__all__ = [
    "Account",
    "AuditLog",
    "BackgroundJob",
    "BranchOffice",
    "KeyPerson",
    "LoginThrottle",
    "Position",
    "ScheduledRun",
    "Task",
    "User",
]
