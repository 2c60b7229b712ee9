"""Check a billed call's transcript against the claimed credit reason, under a data policy."""

from .analyzer import analyze, detect_all, recommend
from .lexicon import Lexicon, Taxonomy, load_lexicon, load_taxonomy, scan
from .models import (
    REASON_CODES,
    AnalysisContext,
    Cue,
    Evidence,
    Finding,
    PriorCall,
    ReasonAssessment,
    ReasonCode,
    Recommendation,
    Verdict,
)
from .policy import Policy, list_policies, load_policy
from .view import TranscriptView

__all__ = [
    "REASON_CODES",
    "AnalysisContext",
    "Cue",
    "Evidence",
    "Finding",
    "Lexicon",
    "Policy",
    "PriorCall",
    "ReasonAssessment",
    "ReasonCode",
    "Recommendation",
    "Taxonomy",
    "TranscriptView",
    "Verdict",
    "analyze",
    "detect_all",
    "list_policies",
    "load_lexicon",
    "load_policy",
    "load_taxonomy",
    "recommend",
    "scan",
]
