"""Small builders shared by the analysis tests: a scan or a finding from scripted turns."""

from __future__ import annotations

from typing import Any

from callcredit.analysis import AnalysisContext, Finding, analyze, load_lexicon, load_policy, scan
from callcredit.analysis.lexicon import Scan
from callcredit.analysis.synthetic import transcript_from_turns
from callcredit.analysis.view import TranscriptView

C, B, U = "caller", "business", "unknown"


def sc(*turns: tuple[str, str], name: str | None = None) -> Scan:
    """Return the scan of a call made of (speaker, text) turns."""
    view = TranscriptView.build(transcript_from_turns(list(turns)))
    return scan(view, load_lexicon(), name)


def finding(claim: str, *turns: tuple[str, str], **context: Any) -> Finding:
    """Return the finding for a claim on a scripted call (a fencing business by default)."""
    fields: dict[str, Any] = {"business_category": "fencing", **context}
    ctx = AnalysisContext(call_id="t", claimed_reason=claim, business_id="b", **fields)
    transcript = transcript_from_turns(list(turns))
    return analyze(transcript=transcript, context=ctx, policy=load_policy())
