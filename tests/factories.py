"""Small factories for test data."""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import struct
import wave
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from callcredit.calls.models import Business, Call, ChannelLayout

_seq = itertools.count(1)


def business(session: Session, **kw: Any) -> Business:
    """Insert a business."""
    n = next(_seq)
    values: dict[str, Any] = {
        "id": f"biz-{n}",
        "name": f"Business {n}",
        "category": "plumbing",
        "service_area": "95814;Sacramento",
    }
    values.update(kw)
    row = Business(**values)
    session.add(row)
    session.commit()
    return row


def call(session: Session, biz: Business, **kw: Any) -> Call:
    """Insert a billed call (no real recording behind it)."""
    n = next(_seq)
    values: dict[str, Any] = {
        "call_id": f"call-{n}",
        "business_id": biz.id,
        "caller_number": "+19165550100",
        "called_at": datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        "billed_cents": 4500,
        "channels": ChannelLayout.mono,
        "recording_path": f"xx/{n}.wav",
        "recording_sha256": hashlib.sha256(str(n).encode()).hexdigest(),
    }
    values.update(kw)
    row = Call(**values)
    session.add(row)
    session.commit()
    return row


def tone_wav(
    seconds: float = 1.0, rate: int = 8000, channels: int = 1, freq: float = 440.0
) -> bytes:
    """Return a small valid WAV (a sine tone) as bytes."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            sample = int(8000 * math.sin(2 * math.pi * freq * i / rate))
            frames += struct.pack("<h", sample) * channels
        w.writeframes(bytes(frames))
    return buf.getvalue()
