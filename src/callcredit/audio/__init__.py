"""Recording loading, validation and speaker-channel splitting."""

from callcredit.audio.service import (
    SUPPORTED_SUFFIXES,
    Recording,
    RecordingTooLarge,
    SpeakerLayout,
    Track,
    load_recording,
    probe_bytes,
    sha256_bytes,
    sha256_file,
)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Recording",
    "RecordingTooLarge",
    "SpeakerLayout",
    "Track",
    "load_recording",
    "probe_bytes",
    "sha256_bytes",
    "sha256_file",
]
