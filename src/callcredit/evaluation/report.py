"""Print eval scores as rich tables."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from callcredit.evaluation.metrics import Labelled, Score, by_reason, precision_recall, score
from callcredit.evaluation.placement import load_reference, score_placement


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def confusion_table(title: str, result: Score) -> Table:
    """Return a confusion matrix (rows expected, columns predicted)."""
    labels = result.labels()
    table = Table(title=title)
    table.add_column("expected \\ predicted")
    for label in labels:
        table.add_column(label, justify="right")
    for expected in labels:
        table.add_row(expected, *[str(result.confusion[(expected, p)]) for p in labels])
    return table


def print_report(console: Console, items: list[Labelled]) -> None:
    """Print accuracy, confusion matrices and per-reason figures, overall and per set."""
    groups = sorted({i.group for i in items if i.group})
    summary = Table(title="eval accuracy")
    summary.add_column("set")
    summary.add_column("claims", justify="right")
    summary.add_column("verdict", justify="right")
    summary.add_column("recommendation", justify="right")
    for name in ["all", *groups]:
        chosen = items if name == "all" else [i for i in items if i.group == name]
        verdicts, recs = score(chosen, "verdict"), score(chosen, "recommendation")
        summary.add_row(name, str(len(chosen)), _pct(verdicts.accuracy), _pct(recs.accuracy))
    console.print(summary)
    recommendations = score(items, "recommendation")
    if not recommendations.total:
        console.print("no expected_verdict / expected_decision columns: nothing to score")
        return
    console.print(confusion_table("verdict", score(items, "verdict")))
    console.print(confusion_table("recommendation", recommendations))
    labels = Table(title="recommendation precision / recall")
    for column in ("recommendation", "precision", "recall", "support"):
        labels.add_column(column, justify="left" if column == "recommendation" else "right")
    for row in precision_recall(recommendations):
        labels.add_row(row.label, _pct(row.precision), _pct(row.recall), str(row.support))
    console.print(labels)
    reasons = Table(title="per claimed reason ('supported' precision / recall)")
    for column in ("reason", "claims", "recommendation accuracy", "precision", "recall"):
        reasons.add_column(column, justify="left" if column == "reason" else "right")
    for stat in by_reason(items):
        reasons.add_row(
            stat.reason,
            str(stat.support),
            _pct(stat.accuracy),
            _pct(stat.precision),
            _pct(stat.recall),
        )
    console.print(reasons)


def print_placement(
    console: Console, items: list[Labelled], predictions: Path, reference: Path
) -> None:
    """Print, per set, the share of timed evidence snippets on the right reference utterance."""
    references = load_reference(reference)
    with predictions.open(encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh if line.strip()]
    group_of = {i.call_id: i.group for i in items}
    table = Table(title=f"evidence placement (against {reference.name})")
    for column in ("set", "timed snippets", "on the right utterance", "share", "from history"):
        table.add_column(column, justify="left" if column == "set" else "right")
    groups = sorted({g for g in group_of.values() if g})
    for name in ["all", *groups]:
        chosen = [ln for ln in lines if name == "all" or group_of.get(ln["call_id"]) == name]
        result = score_placement(chosen, references)
        table.add_row(
            name, str(result.timed), str(result.right), _pct(result.share), str(result.untimed)
        )
    console.print(table)
