"""Benchmark the analysis of one long call transcript.

Builds a synthetic 5-minute two-sided call (or loads a TranscriptData JSON with
--transcript), then reports median and p90 milliseconds of `analyze()` over repeated runs,
a per-stage breakdown, and a naive baseline measured in the same run: every phrase of the
lexicon fuzzy-matched (rapidfuzz partial_ratio_alignment) against every turn.

    python benchmarks/analysis.py --runs 50
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rapidfuzz import fuzz

from callcredit.analysis import AnalysisContext, analyze, load_lexicon, load_policy, scan
from callcredit.analysis.analyzer import detect_all
from callcredit.analysis.assess import assess_all
from callcredit.analysis.synthetic import segment
from callcredit.analysis.view import TranscriptView
from callcredit.transcription.schemas import TranscriptData

CALLER_LINES = [
    "Hi yeah I'm calling because the water heater in the garage is making a loud popping noise",
    "and there's a little bit of water on the floor around the bottom of it",
    "it's about twelve years old I think, the previous owner put it in",
    "we noticed it last night, my wife said the showers were only lukewarm this morning",
    "how much would it cost to replace it if it needs replacing",
    "okay and do you guys do the permit and haul away the old one too",
    "can someone come out tomorrow morning, I work from home so anytime is fine",
    "the address is 2417 Riverside Drive, it's the blue house on the corner",
    "the zip code is nine five eight one six",
    "yeah the gate code is four four one two, just park in the driveway",
    "um also the kitchen sink drains really slowly, could they take a look at that too",
    "perfect, that works for me, see you then",
]
BUSINESS_LINES = [
    "Thanks for calling River City Plumbing, this is Dana, how can I help you today",
    "Oh no, okay, that popping is usually sediment built up in the bottom of the tank",
    "Is it a gas or an electric unit, and do you know roughly how many gallons",
    "A standard forty gallon gas replacement usually runs between fourteen and eighteen hundred",
    "Yes we pull the permit, install the new unit, and take the old one away at no charge",
    "Let me check the schedule, I have an opening tomorrow between eight and ten",
    "Can I get the address and the best number to reach you",
    "Great, and is there anything our technician should know about parking or pets",
    "Sure, the technician can snake the drain while he's there, it's a separate charge",
    "You're all set, the tech will call you when he's on the way",
]


def long_transcript(minutes: float = 5.0) -> TranscriptData:
    """Return a two-sided call of about `minutes`, alternating business and caller turns."""
    segments = []
    t, i = 0.4, 0
    while t < minutes * 60:
        who, lines = ("business", BUSINESS_LINES) if i % 2 == 0 else ("caller", CALLER_LINES)
        text = lines[(i // 2) % len(lines)]
        seg = segment(who, text, t, t + 0.38 * len(text.split()))  # ~2.6 words a second
        segments.append(seg)
        t = seg.end + 0.7
        i += 1
    return TranscriptData(duration=t, segments=segments)


def naive_baseline(transcript: TranscriptData) -> int:
    """Match every lexicon phrase against every turn with rapidfuzz; return the hit count."""
    phrases = [p.text for p in load_lexicon().matcher.phrases]
    turns = [s.text.lower() for s in transcript.segments]
    hits = 0
    for phrase in phrases:
        for turn in turns:
            if fuzz.partial_ratio_alignment(phrase, turn, score_cutoff=85) is not None:
                hits += 1
    return hits


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Return (median, p90) milliseconds of `fn` over `runs` calls after one warm-up."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.9 * len(times)))]


def bench_context() -> AnalysisContext:
    """Return a claim with a service area and call history, so every detector runs."""
    called = datetime(2025, 6, 2, 15, 0, tzinfo=UTC)
    return AnalysisContext(
        call_id="bench",
        claimed_reason="price_shopper",
        business_category="plumbing",
        service_area="95814;95816;Sacramento",
        caller_number="+19165550101",
        called_at=called,
        prior_calls=[("b1", "+19165550101", called - timedelta(days=40))],
    )


def stages(transcript: TranscriptData, runs: int) -> list[tuple[str, Callable[[], object], int]]:
    """Return (name, callable, runs) for the whole analysis, its stages and the baseline."""
    policy, context, lexicon = load_policy("default"), bench_context(), load_lexicon()
    view = TranscriptView.build(transcript)
    sc = scan(view, lexicon)
    cues = detect_all(sc, context, policy)
    return [
        (
            "analyze() total",
            lambda: analyze(transcript=transcript, context=context, policy=policy),
            runs,
        ),
        ("  build view", lambda: TranscriptView.build(transcript), runs),
        ("  scan phrases", lambda: scan(view, lexicon), runs),
        ("  detectors", lambda: detect_all(sc, context, policy), runs),
        ("  assess", lambda: assess_all(cues, lexicon.rules), runs),
        ("baseline: naive phrase x turn", lambda: naive_baseline(transcript), max(3, runs // 10)),
    ]


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--transcript", type=Path, help="TranscriptData JSON to analyse instead")
    args = parser.parse_args()
    if args.transcript:
        transcript = TranscriptData.model_validate_json(args.transcript.read_text())
    else:
        transcript = long_transcript(args.minutes)
    words = sum(len(s.words) for s in transcript.segments)
    print(
        f"transcript: {transcript.duration / 60:.1f} min, {len(transcript.segments)} turns, "
        f"{words} words; {len(load_lexicon().matcher.phrases)} phrases; {args.runs} runs"
    )
    print(f"{'stage':34s} {'median ms':>10s} {'p90 ms':>10s}")
    medians = {}
    for name, fn, runs in stages(transcript, args.runs):
        medians[name], p90 = measure(fn, runs)
        print(f"{name:34s} {medians[name]:10.2f} {p90:10.2f}")
    total, naive = medians["analyze() total"], medians["baseline: naive phrase x turn"]
    print(
        f"analyze() is {naive / total:.0f}x faster than the naive baseline; target < 20 ms median"
    )


if __name__ == "__main__":
    main()
