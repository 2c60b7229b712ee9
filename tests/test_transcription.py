"""Transcription: model folder, turns, filters, WER, and the real model on fixture calls."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from audio_helpers import fixture, tone, write_wav

from callcredit.audio import Track, load_recording
from callcredit.config import Settings
from callcredit.exceptions import ConfigurationError
from callcredit.transcription.batch import JobResult, TranscribeJob, transcribe_many
from callcredit.transcription.engine import (
    TranscribeOptions,
    Transcriber,
    format_turns,
    get_transcriber,
    resolve_model_dir,
)
from callcredit.transcription.filters import Candidate, FilterOptions, keep_segment
from callcredit.transcription.model_dir import (
    SETTING,
    assemble_base_model,
    base_model_available,
    bundled_tiny_en,
)
from callcredit.transcription.packing import pack
from callcredit.transcription.schemas import Segment, TranscriptData, Word
from callcredit.transcription.turns import format_timestamp, merge_turns
from callcredit.transcription.wer import corpus_wer, normalise, wer

# --- model folder -------------------------------------------------------------------


def test_default_model_is_bundled_tiny_en() -> None:
    folder = resolve_model_dir(None)
    assert folder == bundled_tiny_en()
    assert (folder / "model.bin").is_file()
    assert resolve_model_dir(Settings(whisper_model_dir=None)) == folder


def test_configured_folder_is_used(tmp_path: Path) -> None:
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (tmp_path / name).write_bytes(b"x")
    assert resolve_model_dir(Settings(whisper_model_dir=tmp_path)) == tmp_path.resolve()


def test_missing_folder_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=SETTING) as caught:
        resolve_model_dir(Settings(whisper_model_dir=tmp_path / "nowhere"))
    assert "does not exist" in caught.value.message


def test_folder_without_model_names_the_setting(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ConfigurationError, match=f"{SETTING}.*missing model.bin"):
        resolve_model_dir(tmp_path)


def test_broken_model_file_names_the_setting(tmp_path: Path) -> None:
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (tmp_path / name).write_bytes((bundled_tiny_en() / name).read_bytes())
    (tmp_path / "model.bin").write_bytes(b"not a model" * 100)
    with pytest.raises(ConfigurationError, match=SETTING):
        Transcriber(tmp_path)


# --- turns and formatting -------------------------------------------------------------


def _seg(speaker: str, start: float, end: float, text: str) -> Segment:
    words = [Word(start=start, end=end, word=w) for w in text.split()]
    return Segment(start=start, end=end, speaker=speaker, text=text, words=words)  # type: ignore[arg-type]


def test_merge_turns_joins_close_same_speaker_segments() -> None:
    turns = merge_turns(
        [
            _seg("business", 5.0, 6.0, "Sure."),
            _seg("caller", 0.0, 2.0, "Hi there."),
            _seg("caller", 2.5, 4.0, "I need a plumber."),
            _seg("caller", 9.0, 10.0, "Hello?"),
        ],
        max_gap=1.0,
    )
    assert [(t.speaker, t.text) for t in turns] == [
        ("caller", "Hi there. I need a plumber."),
        ("business", "Sure."),
        ("caller", "Hello?"),
    ]
    assert (turns[0].start, turns[0].end) == (0.0, 4.0)
    assert [w.word for w in turns[0].words] == ["Hi", "there.", "I", "need", "a", "plumber."]


def test_merge_turns_keeps_far_apart_segments_separate() -> None:
    turns = merge_turns([_seg("caller", 0, 1, "One."), _seg("caller", 5, 6, "Two.")], max_gap=1.5)
    assert len(turns) == 2


def test_format_turns_uses_mm_ss_tenths_and_en_dash() -> None:
    data = TranscriptData(segments=[_seg("caller", 4.1, 9.83, "Tomorrow at ten works.")])
    assert format_turns(data) == "[00:04.1\u201300:09.8] caller: Tomorrow at ten works."
    assert format_timestamp(3725.96) == "62:06.0"


# --- filters and packing --------------------------------------------------------------


def _candidate(text: str, **overrides: float) -> Candidate:
    values = {"no_speech_prob": 0.05, "avg_logprob": -0.2, "compression_ratio": 1.2}
    values.update(overrides)
    return Candidate(start=0.0, end=1.0, text=text, word_probabilities=[0.9], **values)


def test_filters_drop_hallucinations_and_keep_speech() -> None:
    speech, silent = tone(200, 1.0), np.zeros(16_000, dtype=np.float32)
    options = FilterOptions()
    assert keep_segment(_candidate("I need a plumber."), speech, options)
    assert keep_segment(_candidate("Thank you."), speech, options)  # real, confident
    assert not keep_segment(_candidate("Thank you.", no_speech_prob=0.5), speech, options)
    assert not keep_segment(_candidate("I need a plumber."), silent, options)
    assert not keep_segment(_candidate("the the the", compression_ratio=3.0), speech, options)
    assert not keep_segment(
        _candidate("Hello.", no_speech_prob=0.9, avg_logprob=-1.5), speech, options
    )


def test_pack_maps_words_back_to_speaker_and_time() -> None:
    caller = Track("caller", tone(300, 1.0))
    business = Track("business", tone(500, 2.0))
    packed = pack([caller, business], vad=None)
    assert packed.duration == pytest.approx(3.0)
    assert packed.locate(0.2, 0.4) == (0, pytest.approx(0.2), pytest.approx(0.4))
    assert packed.locate(1.5, 1.7) == (1, pytest.approx(0.5), pytest.approx(0.7))
    assert [p.speaker for p in packed.pieces] == ["caller", "business"]


def test_options_follow_settings() -> None:
    options = TranscribeOptions.from_settings(Settings(beam_size=3), vad=False)
    assert (options.beam_size, options.vad) == (3, False)
    kwargs = options.whisper_kwargs()
    assert kwargs["condition_on_previous_text"] is False and kwargs["word_timestamps"] is True


# --- WER ------------------------------------------------------------------------------


def test_wer_normalises_case_punctuation_and_numbers() -> None:
    assert normalise("Tomorrow at TEN works, let's book!") == "tomorrow at 10 works let us book"
    assert normalise("It's 8 5 1 2 2.") == normalise("it is eight five one two two")
    assert wer("fourteen hundred dollars", "$1,400") == 0.0
    assert wer("a b c d", "a b x d") == pytest.approx(0.25)
    assert wer("", "") == 0.0 and wer("", "you") == 1.0
    assert corpus_wer([("a b c d", "a b c d"), ("red green", "red")]) == pytest.approx(1 / 6)


# --- the real model -------------------------------------------------------------------


@pytest.fixture(scope="session")
def transcriber() -> Transcriber:
    """Return the bundled model, loaded once for the whole test session."""
    return get_transcriber(None)


@pytest.fixture(scope="session")
def references() -> dict[str, dict]:
    """Return the fixture reference transcripts by call ID."""
    path = fixture("reference.jsonl")
    return {item["call_id"]: item for item in map(json.loads, path.read_text().splitlines())}


@pytest.mark.slow
def test_fixture_calls_are_recognised(transcriber: Transcriber, references: dict) -> None:
    pairs = []
    for call_id in ("c01", "c02", "c03", "c05"):
        ref = references[call_id]
        data = transcriber.transcribe(fixture(ref["audio"]), ref["channels"])
        assert data.model == "tiny.en" and data.duration == pytest.approx(ref["duration"], abs=0.2)
        pairs.append((ref["text"], data.text))
    assert corpus_wer(pairs) < 0.3


@pytest.mark.slow
def test_stereo_words_land_on_the_right_speaker(transcriber: Transcriber, references: dict) -> None:
    ref = references["c01"]
    data = transcriber.transcribe(fixture(ref["audio"]), "stereo")
    caller = " ".join(s.text for s in data.segments if s.speaker == "caller")
    business = " ".join(s.text for s in data.segments if s.speaker == "business")
    assert {s.speaker for s in data.segments} == {"caller", "business"}
    assert wer(ref["caller_text"], caller) < 0.35
    assert wer(ref["business_text"], business) < 0.35
    assert data.segments == sorted(data.segments, key=lambda s: s.start)
    assert all(
        w.start >= s.start - 0.01 and w.end <= s.end + 0.01 for s in data.segments for w in s.words
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["silence.wav", "beep.wav"])
def test_silence_and_beeps_give_no_text(transcriber: Transcriber, name: str) -> None:
    assert transcriber.transcribe(fixture("edge", name)).segments == []


@pytest.mark.slow
def test_tones_noise_and_silence_without_vad_give_no_text(
    transcriber: Transcriber, tmp_path: Path
) -> None:
    rng = np.random.default_rng(7)
    hold = tone(440, 8.0) + tone(554, 8.0)
    noise = (rng.standard_normal(16_000 * 8) * 0.003).astype(np.float32)
    path = write_wav(tmp_path / "hold.wav", [hold * 0.5, noise])
    assert transcriber.transcribe(path, "stereo").segments == []
    silent = write_wav(tmp_path / "silent.wav", [np.zeros(16_000 * 10, dtype=np.float32)])
    options = TranscribeOptions(vad=False)
    assert transcriber.transcribe(silent, options=options).segments == []


@pytest.mark.slow
def test_progress_reaches_the_duration(transcriber: Transcriber, references: dict) -> None:
    ref = references["c03"]
    recording = load_recording(path=fixture(ref["audio"]))
    seen: list[tuple[float, float]] = []
    transcriber.transcribe(recording, ref["channels"], progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (pytest.approx(recording.duration), pytest.approx(recording.duration))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.slow
def test_transcribe_many_keeps_order_and_reports_bad_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_text("not audio")
    calls = [fixture("audio", "c03.wav"), junk, fixture("audio", "c01.wav")]
    jobs = [TranscribeJob(calls[0], "mono"), TranscribeJob(junk), TranscribeJob(calls[2], "stereo")]
    seen: list[JobResult] = []
    results = transcribe_many(jobs, workers=2, on_result=seen.append)
    assert [r.job for r in results] == jobs and len(seen) == 3
    assert results[0].ok and results[2].ok and not results[1].ok
    assert "not an audio file" in (results[1].error or "")
    assert {s.speaker for s in results[2].transcript.segments} == {"caller", "business"}


@pytest.mark.slow
@pytest.mark.skipif(not base_model_available(), reason="optional base model not installed")
def test_base_model_parts_assemble(tmp_path: Path) -> None:
    folder = assemble_base_model(tmp_path)
    assert resolve_model_dir(folder) == folder.resolve()
    assert assemble_base_model(tmp_path) == folder  # second call reuses the folder
    data = Transcriber(folder).transcribe(fixture("edge", "hello.flac"))
    assert data.model == "base" and data.text
