"""Import every table model so that metadata knows them all."""

from callcredit.audit.models import AuditEvent
from callcredit.calls.models import Business, Call
from callcredit.credits.models import CreditRequest, Decision, RequestFinding
from callcredit.identity.models import ApiKey, SessionToken, User
from callcredit.identity.throttle import SignInFailure
from callcredit.jobs.models import Job
from callcredit.ledger.models import LedgerEntry
from callcredit.notifications.models import Notification
from callcredit.transcription.models import Transcript

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Business",
    "Call",
    "CreditRequest",
    "Decision",
    "Job",
    "LedgerEntry",
    "Notification",
    "RequestFinding",
    "SessionToken",
    "SignInFailure",
    "Transcript",
    "User",
]
