"""The ``callcredit`` command line."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from callcredit.config import Settings

if TYPE_CHECKING:
    from callcredit.evaluation.runner import EvalResult
from callcredit.exceptions import CallCreditError
from callcredit.identity.cli import businesses_app, users_app
from callcredit.notifications.cli import notify

app = typer.Typer(
    help="Review pay-per-call credit requests against the call recording.", no_args_is_help=True
)
err = Console(stderr=True)
out = Console()
app.add_typer(users_app, name="users")
app.add_typer(businesses_app, name="businesses")
app.command("notify")(notify)


def _settings(database: str | None = None) -> Settings:
    overrides = {"database_url": database} if database else {}
    return Settings(**overrides)  # type: ignore[arg-type]


def _fail(exc: CallCreditError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.message}")
    return typer.Exit(code=2)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


@app.command()
def transcribe(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="audio file")],
    channels: Annotated[
        str, typer.Option(help="mono, or stereo (left caller, right business)")
    ] = "mono",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON segments with words")] = False,
) -> None:
    """Print a recording's transcript as speaker turns."""
    from callcredit.transcription import engine as whisper

    if channels not in ("mono", "stereo"):
        raise typer.BadParameter("channels must be mono or stereo", param_hint="--channels")
    settings = _settings()
    try:
        transcriber = whisper.get_transcriber(settings)
        with _progress() as progress:
            task = progress.add_task(file.name, total=None)

            def report(done: float, total: float) -> None:
                progress.update(task, completed=done, total=total)

            data = transcriber.transcribe(file, channels=channels, progress=report)
    except CallCreditError as exc:
        raise _fail(exc) from exc
    if as_json:
        out.print_json(json.dumps([s.model_dump() for s in data.segments]))
    else:
        typer.echo(whisper.format_turns(data))


@app.command()
def ingest(
    manifest: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="manifest CSV")],
    database: Annotated[
        str | None, typer.Option(help="database URL (else CALLCREDIT_DATABASE_URL)")
    ] = None,
) -> None:
    """Store a manifest's businesses, billed calls and claims; queue transcription and analysis."""
    from callcredit import orchestrator
    from callcredit.database import init_db, make_engine

    settings = _settings(database)
    engine = make_engine(settings.database_url)
    init_db(engine)
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    report = orchestrator.ingest_manifest(engine=engine, settings=settings, path=manifest)
    for line, problem in report.errors:
        err.print(f"[yellow]line {line}:[/yellow] {problem}")
    for line, problem in report.request_errors:
        err.print(f"[yellow]line {line}: credit request not submitted:[/yellow] {problem}")
    out.print(
        f"{len(report.created)} calls added, {len(report.existing)} already present,"
        f" {len(report.errors)} rows skipped"
    )
    out.print(
        f"{len(report.requests)} credit requests submitted,"
        f" {len(report.requests_existing)} already present,"
        f" {len(report.request_errors)} not submitted (late or invalid)"
    )
    if report.errors and not (report.created or report.existing):
        raise typer.Exit(code=1)


@app.command("eval")
def eval_(
    manifest: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="manifest CSV")],
    out: Annotated[Path, typer.Option(help="JSON lines, one a claim")] = Path("predictions.jsonl"),
    database: Annotated[
        str | None, typer.Option(help="database URL (default: a temporary SQLite)")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="transcription processes")] = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="reference turns (JSON lines) to check evidence placement;"
            " default: reference.jsonl beside the manifest, when present",
        ),
    ] = None,
) -> None:
    """Transcribe a manifest's calls, analyse every claim and score it against the labels."""
    import tempfile

    from callcredit.evaluation.report import print_placement, print_report

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="callcredit-eval-") as tmp:
        overrides: dict[str, object] = {"recordings_dir": Path(tmp) / "recordings"}
        overrides["database_url"] = database or f"sqlite:///{Path(tmp) / 'eval.db'}"
        settings = Settings(**overrides)  # type: ignore[arg-type]
        try:
            result = _run_eval(settings, manifest, out, workers or settings.workers)
        except CallCreditError as exc:
            raise _fail(exc) from exc
    for line, problem in result.errors:
        err.print(f"[yellow]line {line}:[/yellow] {problem}")
    out_console = Console()
    print_report(out_console, result.items)
    reference = reference or manifest.parent / "reference.jsonl"
    if reference.is_file():
        print_placement(out_console, result.items, out, reference)
    out_console.print(
        f"{len(result.items)} claims written to {out};"
        f" transcription {result.transcribe_seconds:.1f} s, analysis {result.analyze_seconds:.2f} s"
    )


def _run_eval(settings: Settings, manifest: Path, out: Path, workers: int) -> EvalResult:
    import time

    from callcredit import orchestrator
    from callcredit.database import init_db, make_engine
    from callcredit.evaluation import runner
    from callcredit.transcription import engine as whisper

    whisper.resolve_model_dir(settings)
    engine = make_engine(settings.database_url)
    init_db(engine)
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    report = orchestrator.ingest_manifest(
        engine=engine, settings=settings, path=manifest, submit_requests=False
    )
    with _progress() as progress:
        tasks: dict[str, object] = {}

        def show(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

        started = time.perf_counter()
        runner.transcribe_all(engine=engine, settings=settings, workers=workers, progress=show)
        transcribe_seconds = time.perf_counter() - started
        result = runner.analyze_claims(
            engine=engine, settings=settings, report=report, out=out, progress=show
        )
    result.transcribe_seconds = transcribe_seconds
    engine.dispose()
    return result


@app.command()
def worker(
    workers: Annotated[int | None, typer.Option(help="processes (default: one per core)")] = None,
    drain: Annotated[bool, typer.Option(help="exit when no job is left")] = False,
) -> None:
    """Run background jobs (transcription, analysis) until stopped."""
    from callcredit.jobs.worker import WorkerPool
    from callcredit.transcription import engine as whisper

    settings = _settings()
    try:
        whisper.resolve_model_dir(settings)
    except CallCreditError as exc:
        raise _fail(exc) from exc
    _logging()
    pool = WorkerPool(settings, count=workers, drain=drain)
    pool.start()
    err.print(f"callcredit worker: {pool.count} process(es); Ctrl-C stops after the current job")
    try:
        pool.join()
    except KeyboardInterrupt:
        pool.stop()


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    demo: Annotated[
        bool, typer.Option(help="ingest the demo calls from fixtures/manifest.csv")
    ] = False,
    demo_sets: Annotated[
        str, typer.Option(help="the fixture sets --demo loads, comma-separated, or 'all'")
    ] = "dev,dev2,dev3",
    workers: Annotated[int | None, typer.Option(help="embedded worker processes; 0 = none")] = None,
) -> None:
    """Run the web service with an embedded job worker."""
    import uvicorn

    from callcredit.jobs.worker import WorkerPool
    from callcredit.main import create_app
    from callcredit.transcription import engine as whisper

    settings = _settings()
    try:
        whisper.resolve_model_dir(settings)
        application = create_app(settings)
    except CallCreditError as exc:
        raise _fail(exc) from exc
    _logging()
    if demo:
        _load_demo(settings, demo_sets)
        _demo_accounts(settings, host, port)
    pool = None
    count = settings.workers if workers is None else workers
    if count > 0 and settings.embedded_worker:
        pool = WorkerPool(settings, count=count)
        pool.start()
    from callcredit.notifications.sender import start_sender_thread

    sender, stop_sender = start_sender_thread(settings)
    err.print(f"callcredit on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    try:
        uvicorn.run(application, host=host, port=port, log_level="info")
    finally:
        stop_sender.set()
        sender.join(10)
        if pool is not None:
            pool.stop()


def _load_demo(settings: Settings, demo_sets: str) -> None:
    from callcredit import orchestrator
    from callcredit.database import make_engine

    # 794 fixture calls take minutes to transcribe; the first three sets (109) show the
    # product well and are transcribed soon after start-up.
    sets = {s.strip() for s in demo_sets.split(",") if s.strip()}
    where = None if "all" in sets else (lambda row: row.extra.get("set") in sets)

    manifest = Path("fixtures/manifest.csv")
    if not manifest.is_file():
        err.print(
            "[yellow]demo: fixtures/manifest.csv not found; run from the repository root[/yellow]"
        )
        return
    report = orchestrator.ingest_manifest(
        engine=make_engine(settings.database_url), settings=settings, path=manifest, where=where
    )
    err.print(f"demo: {len(report.created)} calls added, {len(report.existing)} already present")


def _demo_accounts(settings: Settings, host: str, port: int) -> None:
    """Create the demo sign-ins with fresh passwords and print them (demo only)."""
    from rich.table import Table

    from callcredit import demo
    from callcredit.database import make_engine

    engine = make_engine(settings.database_url)
    try:
        accounts = demo.ensure_demo_users(engine=engine)
    finally:
        engine.dispose()
    table = Table(
        "sign-in name", "password", "role", title="demo sign-ins (new passwords each start)"
    )
    for account in accounts:
        role = account.role.value + (f" ({account.business_id})" if account.business_id else "")
        table.add_row(account.username, account.password, role)
    err.print(table)
    err.print(f"demo: open http://{host}:{port}/ and sign in as 'reviewer' to see the queue")


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


if __name__ == "__main__":
    app()
