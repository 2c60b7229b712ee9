"""Check that every evidence snippet sits on the utterance it quotes, against reference turns.

The fixtures' ``reference.jsonl`` says where each scripted turn (and each voicemail beep)
was placed in the audio. A snippet is *on the right utterance* when most of its time span
lies inside one reference turn of the same speaker (any speaker on a mono call) and its
words read like that turn's words; a tone snippet must lie on a reference beep. Evidence
from the call history (a duplicate's earlier call) has no time span and is counted apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from callcredit.transcription.wer import normalise

# Word times from Whisper are a few hundred milliseconds loose at turn edges.
EDGE_TOLERANCE_S = 0.3
MIN_TIME_SHARE = 0.8  # of the snippet's span inside one turn
# rapidfuzz partial_ratio of the snippet's words against the turn's script, both through
# Whisper's normaliser; low enough to pass recognition errors, high enough to catch a
# snippet timed onto another turn.
MIN_TEXT_SCORE = 50.0
MIN_TONE_SHARE = 0.5


@dataclass(frozen=True)
class Span:
    """One reference utterance or beep: who, when and what was said."""

    speaker: str
    start: float
    end: float
    text: str = ""


@dataclass(frozen=True)
class Reference:
    """Where the turns and beeps of one call were placed in its audio."""

    call_id: str
    turns: tuple[Span, ...]
    beeps: tuple[Span, ...]


@dataclass
class PlacementScore:
    """Counts of snippets checked, placed right, and untimed (from call history)."""

    timed: int = 0
    right: int = 0
    untimed: int = 0
    unreferenced: int = 0

    @property
    def share(self) -> float | None:
        """Return the share of timed snippets on the right utterance."""
        return self.right / self.timed if self.timed else None


def load_reference(path: Path) -> dict[str, Reference]:
    """Read a ``reference.jsonl`` file into references by call ID."""
    out: dict[str, Reference] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            turns = tuple(
                Span(t["speaker"], float(t["start"]), float(t["end"]), t.get("text", ""))
                for t in row.get("turns", [])
            )
            beeps = tuple(
                Span("business", float(e["start"]), float(e["end"]))
                for e in row.get("events", [])
                if e.get("kind", "beep") == "beep"
            )
            out[row["call_id"]] = Reference(row["call_id"], turns, beeps)
    return out


def _share_inside(start: float, end: float, span: Span, tolerance: float) -> float:
    """Return the share of [start, end] that lies inside a span widened by ``tolerance``."""
    inside = min(end, span.end + tolerance) - max(start, span.start - tolerance)
    return max(0.0, inside) / max(end - start, 1e-6)


def snippet_is_placed(snippet: Mapping[str, Any], reference: Reference) -> bool | None:
    """Return whether one snippet is on the right utterance; None when it has no time span."""
    start, end = float(snippet["start"]), float(snippet["end"])
    if end <= start:
        return None
    if snippet.get("cue") == "beep":
        return any(
            _share_inside(start, end, beep, 0.15) >= MIN_TONE_SHARE for beep in reference.beeps
        )
    speaker = snippet.get("speaker", "unknown")
    text = normalise(str(snippet.get("text", "")))
    for turn in reference.turns:
        if speaker != "unknown" and turn.speaker != speaker:
            continue
        if _share_inside(start, end, turn, EDGE_TOLERANCE_S) < MIN_TIME_SHARE:
            continue
        if fuzz.partial_ratio(text, normalise(turn.text)) >= MIN_TEXT_SCORE:
            return True
    return False


def score_placement(
    predictions: Iterable[Mapping[str, Any]], references: Mapping[str, Reference]
) -> PlacementScore:
    """Score the evidence of eval prediction lines against the reference turns."""
    result = PlacementScore()
    for line in predictions:
        reference = references.get(str(line["call_id"]))
        for snippet in line.get("evidence", []):
            if reference is None:
                result.unreferenced += 1
                continue
            placed = snippet_is_placed(snippet, reference)
            if placed is None:
                result.untimed += 1
                continue
            result.timed += 1
            result.right += placed
    return result


def misplaced(
    predictions: Iterable[Mapping[str, Any]], references: Mapping[str, Reference]
) -> list[tuple[str, Mapping[str, Any]]]:
    """Return (call_id, snippet) for every timed snippet that is not on the right utterance."""
    out = []
    for line in predictions:
        reference = references.get(str(line["call_id"]))
        if reference is None:
            continue
        for snippet in line.get("evidence", []):
            if snippet_is_placed(snippet, reference) is False:
                out.append((str(line["call_id"]), snippet))
    return out
