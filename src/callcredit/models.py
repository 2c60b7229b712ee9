"""Import every table model so that metadata knows them all."""

from callcredit.calls.models import Business, Call
from callcredit.jobs.models import Job
from callcredit.transcription.models import Transcript

__all__ = ["Business", "Call", "Job", "Transcript"]
