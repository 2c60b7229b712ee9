"""Recording loading: formats, channel split, and clear errors for bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import pytest
from audio_helpers import encode, fixture, needs_ffmpeg, tone, write_wav

from callcredit.audio import (
    RecordingTooLarge,
    decoder,
    load_recording,
    probe_bytes,
    sha256_bytes,
    sha256_file,
)
from callcredit.exceptions import AudioError

RATE = 16_000


@pytest.fixture
def mono_wav(tmp_path: Path) -> Path:
    """Return a 2-second 8 kHz mono WAV (telephone rate)."""
    return write_wav(tmp_path / "mono.wav", [tone(440, 2.0, rate=8000)], rate=8000)


@pytest.fixture
def stereo_wav(tmp_path: Path) -> Path:
    """Return a 3-second stereo WAV: a tone on the left (caller), silence on the right."""
    left = tone(440, 3.0, rate=44_100)
    return write_wav(tmp_path / "stereo.wav", [left, np.zeros_like(left)], rate=44_100)


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def test_wav_mono_properties_and_16k_track(mono_wav: Path) -> None:
    recording = load_recording(path=mono_wav)
    assert (recording.sample_rate, recording.channels) == (8000, 1)
    assert recording.duration == pytest.approx(2.0, abs=0.01)
    (track,) = recording.channel_samples("mono")
    assert track.speaker == "unknown"
    assert track.samples.dtype == np.float32 and track.samples.ndim == 1
    assert len(track.samples) == pytest.approx(2 * RATE, abs=20)
    assert _rms(track.samples) == pytest.approx(0.3 / np.sqrt(2), rel=0.05)


def test_stereo_left_is_caller_right_is_business(stereo_wav: Path) -> None:
    recording = load_recording(path=stereo_wav)
    assert (recording.sample_rate, recording.channels) == (44_100, 2)
    caller, business = recording.channel_samples("stereo")
    assert (caller.speaker, business.speaker) == ("caller", "business")
    assert _rms(caller.samples) > 0.1
    assert _rms(business.samples) < 1e-3
    assert caller.duration == pytest.approx(3.0, abs=0.01)


def test_layout_defaults_to_channel_count(stereo_wav: Path, mono_wav: Path) -> None:
    assert [t.speaker for t in load_recording(path=stereo_wav).channel_samples()] == [
        "caller",
        "business",
    ]
    assert [t.speaker for t in load_recording(path=mono_wav).channel_samples()] == ["unknown"]


def test_stereo_asked_as_mono_is_mixed_down(stereo_wav: Path) -> None:
    (track,) = load_recording(path=stereo_wav).channel_samples("mono")
    assert track.speaker == "unknown"
    assert _rms(track.samples) == pytest.approx(0.3 / np.sqrt(2) / 2, rel=0.05)


def test_stereo_layout_on_mono_file_is_an_error(mono_wav: Path) -> None:
    with pytest.raises(AudioError, match="stereo needs exactly 2"):
        load_recording(path=mono_wav).channel_samples("stereo")


def test_same_signal_on_both_channels_is_one_unknown_track(tmp_path: Path) -> None:
    signal = tone(300, 1.0)
    path = write_wav(tmp_path / "dup.wav", [signal, signal])
    assert [t.speaker for t in load_recording(path=path).channel_samples("stereo")] == ["unknown"]


@needs_ffmpeg
@pytest.mark.parametrize(
    ("suffix", "codec_args"),
    [
        (".flac", ()),
        (".mp3", ()),
        (".ogg", ("-c:a", "libopus")),
        (".m4a", ("-c:a", "aac")),
    ],
)
def test_compressed_formats_decode(
    tmp_path: Path, stereo_wav: Path, suffix: str, codec_args: tuple[str, ...]
) -> None:
    path = encode(stereo_wav, tmp_path / f"call{suffix}", *codec_args)
    recording = load_recording(path=path)
    assert recording.channels == 2
    assert recording.duration == pytest.approx(3.0, abs=0.1)
    caller, business = recording.channel_samples("stereo")
    assert _rms(caller.samples) > 0.1 > _rms(business.samples)


@pytest.mark.parametrize("name", ["hello.flac", "hello.mp3", "hello.ogg", "hello.m4a"])
def test_fixture_formats_decode(name: str) -> None:
    recording = load_recording(path=fixture("edge", name))
    assert recording.duration > 0.5
    assert all(t.samples.dtype == np.float32 for t in recording.channel_samples())


def _assert_clean(error: AudioError) -> None:
    assert "Traceback" not in error.message and "\n" not in error.message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioError, match="empty") as caught:
        load_recording(path=path)
    _assert_clean(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="does not exist"):
        load_recording(path=tmp_path / "nope.wav")


@pytest.mark.parametrize("content", [b"this is not audio at all\n" * 4, bytes(range(256)) * 40])
def test_not_audio(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match="not an audio file") as caught:
        load_recording(path=path)
    _assert_clean(caught.value)


def test_truncated_wav(tmp_path: Path, mono_wav: Path) -> None:
    path = tmp_path / "cut.wav"
    path.write_bytes(mono_wav.read_bytes()[:5000])
    with pytest.raises(AudioError, match="truncated") as caught:
        load_recording(path=path)
    _assert_clean(caught.value)


@needs_ffmpeg
@pytest.mark.parametrize("suffix", [".mp3", ".flac", ".m4a"])
def test_truncated_compressed(tmp_path: Path, stereo_wav: Path, suffix: str) -> None:
    whole = encode(stereo_wav, tmp_path / f"whole{suffix}")
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 4])
    with pytest.raises(AudioError, match="truncated") as caught:
        load_recording(path=cut)
    _assert_clean(caught.value)


def test_zero_length_wav(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "zero.wav", [np.zeros(0, dtype=np.float32)])
    with pytest.raises(AudioError, match="zero length"):
        load_recording(path=path)


def test_oversized_is_an_audio_error_with_413(mono_wav: Path) -> None:
    with pytest.raises(RecordingTooLarge, match="over the") as caught:
        load_recording(path=mono_wav, max_bytes=1000)
    assert isinstance(caught.value, AudioError)
    assert caught.value.status_code == 413


def test_a_recording_over_the_length_limit_is_refused_before_it_is_decoded(
    stereo_wav: Path,
) -> None:
    with pytest.raises(AudioError, match="is 3 seconds, over the limit of 1 seconds") as caught:
        load_recording(path=stereo_wav, max_seconds=1.0)
    assert caught.value.status_code == 422
    assert load_recording(path=stereo_wav, max_seconds=3.5).duration == pytest.approx(3.0)


def test_decoding_stops_at_the_limit_when_the_header_says_nothing(stereo_wav: Path) -> None:
    # Headers can lie or be missing; the decoder counts samples as it goes and stops early.
    too_long = pytest.raises(AudioError, match="is longer, over the limit of 1 seconds")
    with av.open(str(stereo_wav)) as container, too_long:
        decoder._read_samples(container, container.streams.audio[0], "x.wav", 1.0)


@pytest.mark.parametrize(
    ("name", "match"),
    [("empty.wav", "empty"), ("not_audio.wav", "not an audio"), ("truncated.wav", "truncated")],
)
def test_fixture_bad_files(name: str, match: str) -> None:
    with pytest.raises(AudioError, match=match):
        load_recording(path=fixture("edge", name))


def test_probe_bytes_accepts_audio_and_rejects_junk(mono_wav: Path) -> None:
    recording = probe_bytes(mono_wav.read_bytes(), "upload.wav")
    assert recording.channels == 1 and recording.path is None
    with pytest.raises(AudioError, match="not an audio file"):
        probe_bytes(b"<html>hello</html>" * 10, "upload.mp3")
    with pytest.raises(AudioError, match="empty"):
        probe_bytes(b"", "upload.wav")
    with pytest.raises(RecordingTooLarge):
        probe_bytes(mono_wav.read_bytes(), "upload.wav", max_bytes=100)


def test_sha256(mono_wav: Path) -> None:
    expected = hashlib.sha256(mono_wav.read_bytes()).hexdigest()
    assert sha256_file(mono_wav, chunk_size=1000) == expected
    assert sha256_bytes(mono_wav.read_bytes()) == expected


def test_to_segment_round_trip(stereo_wav: Path) -> None:
    segment = load_recording(path=stereo_wav).to_segment()
    assert (segment.channels, segment.frame_rate) == (2, RATE)
    assert len(segment) == pytest.approx(3000, abs=5)
