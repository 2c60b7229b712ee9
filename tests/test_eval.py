"""``callcredit eval``: predictions in the design's JSON-lines format, and honest scoring."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callcredit.cli import app
from callcredit.evaluation.metrics import Labelled, by_reason, precision_recall, score
from callcredit.evaluation.placement import (
    Reference,
    Span,
    load_reference,
    misplaced,
    score_placement,
    snippet_is_placed,
)

EVAL_KEYS = {
    "call_id",
    "claimed_reason",
    "verdict",
    "confidence",
    "recommendation",
    "other_findings",
    "evidence",
    "transcript",
    "seconds",
}


def _item(reason: str, verdict: str, rec: str, exp_v: str, exp_d: str) -> Labelled:
    return Labelled("c", reason, verdict, rec, exp_v, exp_d)


def test_scores_confusion_and_per_reason_figures() -> None:
    items = [
        _item("spam", "supported", "approve", "supported", "approve"),
        _item("spam", "supported", "approve", "contradicted", "decline"),
        _item("spam", "contradicted", "decline", "supported", "approve"),
        _item("voicemail", "supported", "decline", "supported", "decline"),
    ]
    recs = score(items, "recommendation")
    assert (recs.correct, recs.total) == (2, 4)
    assert recs.confusion[("decline", "approve")] == 1
    approve = next(r for r in precision_recall(recs) if r.label == "approve")
    assert (approve.precision, approve.recall) == (0.5, 0.5)
    spam = next(r for r in by_reason(items) if r.reason == "spam")
    assert (spam.support, spam.correct, spam.precision, spam.recall) == (3, 1, 0.5, 0.5)


REFERENCE = Reference(
    call_id="c",
    turns=(
        Span("business", 0.5, 3.0, "Ace Plumbing, this is Dana."),
        Span("caller", 3.6, 8.4, "Hi, I'm looking for work as an apprentice plumber."),
        Span("business", 9.0, 12.3, "We're not hiring right now, sorry."),
    ),
    beeps=(Span("business", 14.0, 14.6),),
)


def _snippet(start: float, end: float, speaker: str, text: str, cue: str = "job_seeker") -> dict:
    return {"start": start, "end": end, "speaker": speaker, "text": text, "cue": cue}


def test_a_snippet_is_placed_on_its_own_utterance_despite_recognition_errors() -> None:
    heard = _snippet(5.2, 8.6, "caller", "looking for work as an apprentice plummer")
    assert snippet_is_placed(heard, REFERENCE) is True
    # Numbers spoken as words and heard as digits still read alike.
    ref = Reference("z", (Span("caller", 1.0, 3.0, "It's eight five one two two."),), ())
    assert snippet_is_placed(_snippet(1.1, 2.9, "caller", "It's 85122.", "zip"), ref) is True


def test_a_snippet_on_the_wrong_speaker_or_straddling_two_turns_is_misplaced() -> None:
    wrong_speaker = _snippet(9.1, 12.0, "caller", "We're not hiring right now")
    straddling = _snippet(5.6, 10.5, "unknown", "apprentice plumber We're not hiring right now")
    wrong_words = _snippet(3.7, 8.0, "caller", "the garage door is stuck halfway open again")
    for snippet in (wrong_speaker, straddling, wrong_words):
        assert snippet_is_placed(snippet, REFERENCE) is False, snippet
    # On a mono call the speaker is unknown: only time and words count.
    assert snippet_is_placed(_snippet(9.1, 12.0, "unknown", "not hiring right now"), REFERENCE)


def test_tones_must_sit_on_a_beep_and_history_evidence_is_counted_apart() -> None:
    assert snippet_is_placed(_snippet(14.05, 14.6, "unknown", "(tone)", "beep"), REFERENCE)
    assert not snippet_is_placed(_snippet(4.0, 4.6, "unknown", "(tone)", "beep"), REFERENCE)
    history = _snippet(0.0, 0.0, "unknown", "The same caller was billed", "prior_call")
    assert snippet_is_placed(history, REFERENCE) is None
    lines = [
        {"call_id": "c", "evidence": [history, _snippet(9.1, 12.0, "business", "not hiring")]},
        {"call_id": "c", "evidence": [_snippet(9.1, 12.0, "caller", "not hiring")]},
        {"call_id": "unknown-call", "evidence": [_snippet(1, 2, "caller", "hi")]},
    ]
    result = score_placement(lines, {"c": REFERENCE})
    assert (result.timed, result.right, result.untimed, result.unreferenced) == (2, 1, 1, 1)
    assert result.share == 0.5
    assert [cid for cid, _ in misplaced(lines, {"c": REFERENCE})] == ["c"]


def test_the_fixture_reference_loads_with_turns_and_beeps(manifest_path: Path) -> None:
    references = load_reference(manifest_path.parent / "reference.jsonl")
    assert len(references) >= 90
    assert any(ref.beeps for ref in references.values())
    assert all(t.end > t.start for ref in references.values() for t in ref.turns)


def _subset(manifest: Path, out: Path, call_ids: set[str]) -> Path:
    with manifest.open(newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["call_id"] in call_ids]
        fields = reader.fieldnames
    assert fields is not None
    for row in rows:
        row["audio"] = str((manifest.parent / row["audio"]).resolve())
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return out


@pytest.mark.slow
def test_eval_writes_one_line_per_claim_and_prints_scores(
    tmp_path: Path, manifest_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with manifest_path.open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("set") == "dev"]
    claims = [r for r in rows if r["claimed_reason"]][:4]
    wanted = {r["call_id"] for r in claims}
    # A duplicate claim is judged from the history rows: keep the same caller's other calls.
    numbers = {r["caller_number"] for r in claims}
    wanted |= {r["call_id"] for r in rows if r["caller_number"] in numbers}
    subset = _subset(manifest_path, tmp_path / "m.csv", wanted)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "pred.jsonl"
    reference = manifest_path.parent / "reference.jsonl"
    database = f"sqlite:///{tmp_path / 'eval.db'}"
    args = ["eval", str(subset), "--out", str(out), "--workers", "1", "--reference", str(reference)]
    result = CliRunner().invoke(app, [*args, "--database", database])
    assert result.exit_code == 0, result.output
    assert "evidence placement" in result.output
    first = out.read_text()
    # Again on the same database: transcripts are reused and the audio cues still run.
    again = CliRunner().invoke(app, [*args, "--database", database])
    assert again.exit_code == 0, again.output
    evidence = [
        [json.loads(line)["evidence"] for line in text.splitlines()]
        for text in (first, out.read_text())
    ]
    assert evidence[0] == evidence[1]
    assert any(s["cue"] == "beep" for line in evidence[1] for s in line)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {line["call_id"] for line in lines} == {
        r["call_id"] for r in rows if r["call_id"] in wanted and r["claimed_reason"]
    }
    for line in lines:
        assert set(line) >= EVAL_KEYS
        if line["verdict"] in ("supported", "contradicted"):
            assert line["evidence"], line["call_id"]
        for snippet in line["evidence"]:
            assert snippet["speaker"] in ("caller", "business", "unknown")
            assert 0 <= snippet["start"] <= snippet["end"]
    assert "recommendation" in result.output and "dev" in result.output
