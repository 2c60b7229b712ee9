#!/usr/bin/env python3
"""Compare plain faster-whisper with callcredit's transcription: speed and WER.

Usage: python benchmarks/transcribe.py [--manifest fixtures/manifest.csv] [--limit N]
           [--workers N] [--baselines default,int8] [--per-call]

Baseline: ``WhisperModel(model_dir).transcribe(path)`` with its defaults, one file after
another in this process. callcredit: ``transcribe_many`` with the default worker count
(one one-thread process per core).

Wall time includes model loading (and, for callcredit, starting the worker processes).
CPU s counts the CPU time of this process and its workers, which other load on the
machine changes much less than wall time. WER is pooled over all calls against the
fixtures' reference text (all turns joined), after English normalisation.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rich.console import Console
from rich.table import Table

from callcredit.config import default_workers
from callcredit.transcription.batch import TranscribeJob, transcribe_many
from callcredit.transcription.model_dir import resolve_model_dir
from callcredit.transcription.wer import WerCounts, counts

console = Console(width=max(100, Console().width))


@dataclass(frozen=True)
class Call:
    """One fixture call: its audio, channel layout and reference text."""

    call_id: str
    path: Path
    channels: str
    reference: str
    duration: float


@dataclass
class Run:
    """What one system produced over the calls."""

    name: str
    wall: float = 0.0
    cpu: float = 0.0  # CPU seconds of this process and its workers: robust to a busy machine
    audio: float = 0.0
    wer: WerCounts = field(default_factory=WerCounts)
    per_call: dict[str, float] = field(default_factory=dict)

    @property
    def speed(self) -> float:
        """Return seconds of audio per second of wall time (x real time)."""
        return self.audio / self.wall if self.wall else 0.0

    def add(self, call: Call, hypothesis: str) -> None:
        """Score one call's hypothesis."""
        scored = counts(call.reference, hypothesis)
        self.wer = self.wer + scored
        self.audio += call.duration
        self.per_call[call.call_id] = scored.rate


def load_calls(manifest: Path, reference: Path, limit: int | None) -> list[Call]:
    """Return the manifest's calls that have a reference text."""
    if not reference.is_file():
        sys.exit(f"no reference text at {reference}; generate the fixtures first")
    refs = {}
    for line in reference.read_text().splitlines():
        if line.strip():
            item = json.loads(line)
            refs[item["call_id"]] = item
    calls = []
    with manifest.open(newline="") as fh:
        for row in csv.DictReader(fh):
            ref = refs.get(row["call_id"])
            if ref is None:
                continue
            path = (manifest.parent / row["audio"]).resolve()
            channels = row.get("channels") or "mono"
            calls.append(Call(row["call_id"], path, channels, ref["text"], ref["duration"]))
    return calls[:limit] if limit else calls


def run_baseline(calls: list[Call], model_dir: Path, compute_type: str) -> Run:
    """Transcribe with faster-whisper's defaults, one file after another."""
    from faster_whisper import WhisperModel

    started, cpu_started = time.perf_counter(), _cpu_seconds()
    if compute_type == "default":
        model = WhisperModel(str(model_dir))
    else:
        model = WhisperModel(str(model_dir), compute_type=compute_type)
    run = Run(f"baseline {model.model.compute_type}")
    for call in calls:
        segments, _info = model.transcribe(str(call.path))
        run.add(call, " ".join(s.text.strip() for s in segments))
    run.wall = time.perf_counter() - started
    run.cpu = _cpu_seconds() - cpu_started
    return run


def run_callcredit(calls: list[Call], workers: int) -> Run:
    """Transcribe with callcredit's pipeline and worker pool."""
    run = Run(f"callcredit {workers} worker(s)")
    jobs = [TranscribeJob(c.path, c.channels, c.call_id) for c in calls]  # type: ignore[arg-type]
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    results = transcribe_many(jobs, workers=workers)
    run.wall = time.perf_counter() - started
    run.cpu = _cpu_seconds() - cpu_started
    for call, result in zip(calls, results, strict=True):
        if result.error:
            console.print(f"[yellow]{call.call_id}: {result.error}[/yellow]")
        run.add(call, result.transcript.text if result.transcript else "")
    return run


def _cpu_seconds() -> float:
    """Return user+system CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def report(runs: list[Run], per_call: bool) -> None:
    """Print the comparison table and the speed ratio."""
    table = Table(
        title="Transcription benchmark",
        caption="baseline = WhisperModel(dir[, compute_type]).transcribe(path), defaults (beam 5);"
        " callcredit = transcribe_many() with its defaults",
    )
    columns = ("system", "calls", "audio s", "wall s", "RTF", "x real time", "CPU s", "WER %")
    for column in columns:
        table.add_column(column, justify="left" if column == "system" else "right")
    for run in runs:
        table.add_row(
            run.name,
            str(len(run.per_call)),
            f"{run.audio:.1f}",
            f"{run.wall:.1f}",
            f"{run.wall / run.audio:.3f}" if run.audio else "-",
            f"{run.speed:.1f}",
            f"{run.cpu:.1f}",
            f"{run.wer.rate * 100:.1f}",
        )
    console.print(table)
    bases = [run for run in runs if run.name.startswith("baseline")]
    for ours in (run for run in runs if run not in bases):
        for base in bases:
            console.print(
                f"{ours.name} vs {base.name}: speed [bold]{ours.speed / base.speed:.2f}x[/bold]"
                f" (CPU time {base.cpu / ours.cpu:.2f}x),"
                f" WER {(ours.wer.rate - base.wer.rate) * 100:+.1f} points"
            )
    if per_call:
        _per_call_table(runs)


def _per_call_table(runs: list[Run]) -> None:
    """Print each call's WER per system."""
    table = Table(title="WER % per call")
    table.add_column("call")
    for run in runs:
        table.add_column(run.name, justify="right")
    for call_id in runs[0].per_call:
        table.add_row(call_id, *(f"{run.per_call[call_id] * 100:.0f}" for run in runs))
    console.print(table)


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=Path("fixtures/manifest.csv"))
    parser.add_argument("--reference", type=Path, help="default: reference.jsonl by the manifest")
    parser.add_argument("--limit", type=int, help="only the first N calls")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument(
        "--baselines",
        default="default,int8",
        help="compute types of the baseline runs: 'default' is WhisperModel's own default "
        "(float32 on most CPUs), 'int8' matches callcredit's; '' skips the baseline",
    )
    parser.add_argument("--per-call", action="store_true", help="also print WER per call")
    args = parser.parse_args()
    calls = load_calls(
        args.manifest, args.reference or args.manifest.with_name("reference.jsonl"), args.limit
    )
    if not calls:
        sys.exit("no calls to transcribe")
    model_dir = resolve_model_dir(None)
    console.print(f"{len(calls)} calls, model {model_dir}, {os.cpu_count()} CPU(s)")
    kinds = [kind.strip() for kind in args.baselines.split(",") if kind.strip()]
    runs = [run_baseline(calls, model_dir, kind) for kind in kinds]
    runs.append(run_callcredit(calls, args.workers))
    report(runs, args.per_call)
    return 0


if __name__ == "__main__":
    sys.exit(main())
