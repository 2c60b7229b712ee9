"""``callcredit eval``: predictions in the design's JSON-lines format, and honest scoring."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callcredit.cli import app
from callcredit.evaluation.metrics import Labelled, by_reason, precision_recall, score

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
    result = CliRunner().invoke(app, ["eval", str(subset), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
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
