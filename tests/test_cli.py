"""The command line, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callcredit.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_transcribe_prints_speaker_turns(fixtures_dir: Path) -> None:
    result = runner.invoke(
        app, ["transcribe", str(fixtures_dir / "audio" / "c01.wav"), "--channels", "stereo"]
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert lines and all("\u2013" in line.split("]")[0] for line in lines)
    assert any("] caller:" in line for line in lines)
    assert any("] business:" in line for line in lines)


@pytest.mark.slow
def test_transcribe_json_has_words(fixtures_dir: Path) -> None:
    result = runner.invoke(app, ["transcribe", str(fixtures_dir / "audio" / "c03.wav"), "--json"])
    assert result.exit_code == 0, result.output
    segments = json.loads(result.stdout)
    assert segments and {"start", "end", "speaker", "text", "words"} <= set(segments[0])
    assert segments[0]["words"][0]["word"]


def test_transcribe_refuses_bad_audio_and_bad_model(
    fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(app, ["transcribe", str(fixtures_dir / "edge" / "not_audio.wav")])
    assert result.exit_code == 2 and "error" in result.output
    monkeypatch.setenv("CALLCREDIT_WHISPER_MODEL_DIR", str(tmp_path / "nowhere"))
    result = runner.invoke(app, ["transcribe", str(fixtures_dir / "audio" / "c03.wav")])
    assert result.exit_code == 2 and "CALLCREDIT_WHISPER_MODEL_DIR" in result.output


def test_ingest_reports_counts(
    tmp_path: Path, manifest_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLCREDIT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    first = runner.invoke(app, ["ingest", str(manifest_path)])
    assert first.exit_code == 0, first.output
    assert "calls added" in first.output
    again = runner.invoke(app, ["ingest", str(manifest_path)])
    assert again.exit_code == 0 and "0 calls added" in again.output
