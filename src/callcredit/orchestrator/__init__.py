"""Cross-domain steps, the one place where domains meet: ingest, then the job pipeline."""

from callcredit import analysis

from .ingest import (
    IngestResult,
    ManifestReport,
    enqueue_transcription,
    find_transcript,
    ingest_manifest,
    ingest_recording,
    submit_manifest_requests,
)
from .pipeline import (
    analysis_context,
    analyze_request,
    call_samples,
    mark_analysis_failed,
    mark_transcription_failed,
    run_job,
    transcribe_call,
)

__all__ = [
    "IngestResult",
    "ManifestReport",
    "analysis",
    "analysis_context",
    "analyze_request",
    "call_samples",
    "enqueue_transcription",
    "find_transcript",
    "ingest_manifest",
    "ingest_recording",
    "mark_analysis_failed",
    "mark_transcription_failed",
    "run_job",
    "submit_manifest_requests",
    "transcribe_call",
]
