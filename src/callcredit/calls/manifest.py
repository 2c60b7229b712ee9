"""Read the manifest CSV of billed calls described in the design."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError, field_validator

from callcredit.calls.models import CallCreate

REQUIRED = ("call_id", "audio", "business_id", "called_at")


class ManifestRow(BaseModel):
    """One usable manifest row: the call, where its audio is, and the optional claim."""

    line: int
    call: CallCreate
    audio_path: Path
    claimed_reason: str | None = None
    requested_at: datetime | None = None
    note: str = ""
    expected_verdict: str | None = None
    expected_decision: str | None = None
    extra: dict[str, str] = {}

    @field_validator("requested_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("requested_at needs a UTC offset")
        return value


@dataclass
class Manifest:
    """The rows that parsed and the (line, problem) pairs of those that did not."""

    path: Path
    rows: list[ManifestRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _parse_row(raw: dict[str, str], line: int, base: Path) -> ManifestRow:
    get = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
    missing = [name for name in REQUIRED if not get.get(name)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    billed = _blank_to_none(get.get("billed_cents"))
    call = CallCreate(
        call_id=get["call_id"],
        business_id=get["business_id"],
        business_name=_blank_to_none(get.get("business_name")),
        business_category=_blank_to_none(get.get("business_category")),
        service_area=get.get("service_area", ""),
        caller_number=get.get("caller_number", ""),
        called_at=get["called_at"],  # type: ignore[arg-type]
        channels=get.get("channels") or "mono",  # type: ignore[arg-type]
        billed_cents=int(billed) if billed is not None else None,
    )
    known = set(ManifestRow.model_fields) | set(CallCreate.model_fields) | {"audio", "channels"}
    return ManifestRow(
        line=line,
        call=call,
        audio_path=(base / get["audio"]).resolve(),
        claimed_reason=_blank_to_none(get.get("claimed_reason")),
        requested_at=_blank_to_none(get.get("requested_at")),  # type: ignore[arg-type]
        note=get.get("note", ""),
        expected_verdict=_blank_to_none(get.get("expected_verdict")),
        expected_decision=_blank_to_none(get.get("expected_decision")),
        extra={k: v for k, v in get.items() if k not in known},
    )


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}" for err in exc.errors()
        )
    return str(exc)


def read(path: Path) -> Manifest:
    """Parse a manifest; rows that cannot be used are reported with their line number."""
    manifest = Manifest(path=path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "call_id" not in [f.strip().lower() for f in reader.fieldnames]:
            manifest.errors.append((1, "header row must name at least call_id, audio, business_id"))
            return manifest
        for raw in reader:
            line = reader.line_num
            try:
                manifest.rows.append(_parse_row(raw, line, path.parent))
            except (ValueError, ValidationError) as exc:
                manifest.errors.append((line, _describe(exc)))
    return manifest
