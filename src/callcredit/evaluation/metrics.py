"""Accuracy, confusion matrices and per-reason precision/recall over eval predictions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Labelled:
    """One claim's prediction beside its expected labels (either may be missing)."""

    call_id: str
    claimed_reason: str
    verdict: str
    recommendation: str
    expected_verdict: str | None
    expected_decision: str | None
    group: str = ""


@dataclass
class Score:
    """How often predictions matched, with the confusion matrix (expected → predicted)."""

    correct: int = 0
    total: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float | None:
        """Return the share of correct predictions, or None with nothing to score."""
        return self.correct / self.total if self.total else None

    def add(self, expected: str, predicted: str) -> None:
        """Count one prediction."""
        self.total += 1
        self.correct += expected == predicted
        self.confusion[(expected, predicted)] += 1

    def labels(self) -> list[str]:
        """Return every label seen, sorted."""
        return sorted({label for pair in self.confusion for label in pair})


@dataclass(frozen=True)
class ReasonStats:
    """Per claimed reason: does the system find the claim supported when it really is?"""

    reason: str
    support: int
    correct: int
    precision: float | None
    recall: float | None

    @property
    def accuracy(self) -> float:
        """Return the share of this reason's claims with the expected recommendation."""
        return self.correct / self.support if self.support else 0.0


@dataclass(frozen=True)
class PrecisionRecall:
    """Precision and recall of one predicted label (e.g. recommendation 'approve')."""

    label: str
    precision: float | None
    recall: float | None
    support: int


def score(items: list[Labelled], attribute: str) -> Score:
    """Score ``verdict`` (against expected_verdict) or ``recommendation`` (expected_decision)."""
    expected_attr = "expected_verdict" if attribute == "verdict" else "expected_decision"
    result = Score()
    for item in items:
        expected = getattr(item, expected_attr)
        if expected:
            result.add(expected, getattr(item, attribute))
    return result


def precision_recall(result: Score) -> list[PrecisionRecall]:
    """Return precision and recall of every label in a confusion matrix."""
    rows = []
    for label in result.labels():
        tp = result.confusion[(label, label)]
        predicted = sum(n for (_, p), n in result.confusion.items() if p == label)
        actual = sum(n for (e, _), n in result.confusion.items() if e == label)
        rows.append(
            PrecisionRecall(
                label=label,
                precision=tp / predicted if predicted else None,
                recall=tp / actual if actual else None,
                support=actual,
            )
        )
    return rows


def by_reason(items: list[Labelled]) -> list[ReasonStats]:
    """Return, per claimed reason, recommendation accuracy and precision/recall of 'supported'."""
    rows = []
    for reason in sorted({i.claimed_reason for i in items}):
        mine = [i for i in items if i.claimed_reason == reason]
        decided = [i for i in mine if i.expected_decision]
        labelled = [i for i in mine if i.expected_verdict]
        tp = sum(i.verdict == "supported" == i.expected_verdict for i in labelled)
        predicted = sum(i.verdict == "supported" for i in labelled)
        actual = sum(i.expected_verdict == "supported" for i in labelled)
        rows.append(
            ReasonStats(
                reason=reason,
                support=len(decided),
                correct=sum(i.recommendation == i.expected_decision for i in decided),
                precision=tp / predicted if predicted else None,
                recall=tp / actual if actual else None,
            )
        )
    return rows
