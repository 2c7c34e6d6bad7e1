"""Imports every model module so metadata is complete (for Alembic and the app)."""

# Later features' model modules register their tables on import.
import crm.partners.models
import crm.partners.portal_models
import crm.sponsorships.models
import crm.supply_chain.models  # noqa: F401
from crm.accounts.models import Account, KeyPerson, Position
from crm.audit import AuditLog
from crm.auth.models import User
from crm.cases.models import (
    CaseEvent,
    CaseLetterRequest,
    CaseStageRule,
    CaseSuggestion,
    DendaRule,
    EscalationCase,
)
from crm.compliance.models import (
    ArrearsRule,
    ComplianceImport,
    CompliancePeriod,
    Holiday,
    HolidayUse,
)
from crm.jobs.models import BackgroundJob, ScheduledRun
from crm.letters.models import (
    Letter,
    LetterBatch,
    LetterEvent,
    LetterheadSetting,
    LetterSequence,
    LetterTypeSetting,
)
from crm.meetings.models import (
    AccountCadence,
    AccountMonth,
    CadenceMonth,
    CadencePolicy,
    Interaction,
    InteractionAttendee,
    Task,
)
from crm.offices import BranchOffice

__all__ = [
    "Account",
    "AccountCadence",
    "AccountMonth",
    "ArrearsRule",
    "AuditLog",
    "BackgroundJob",
    "BranchOffice",
    "CadenceMonth",
    "CadencePolicy",
    "CaseEvent",
    "CaseLetterRequest",
    "CaseStageRule",
    "CaseSuggestion",
    "ComplianceImport",
    "CompliancePeriod",
    "DendaRule",
    "EscalationCase",
    "Holiday",
    "HolidayUse",
    "Interaction",
    "InteractionAttendee",
    "KeyPerson",
    "Letter",
    "LetterBatch",
    "LetterEvent",
    "LetterSequence",
    "LetterTypeSetting",
    "LetterheadSetting",
    "Position",
    "ScheduledRun",
    "Task",
    "User",
]
