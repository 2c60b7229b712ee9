#!/usr/bin/env bash
# Install callcredit and run it on its embedded defaults: SQLite file, bundled tiny.en model,
# the demo calls from fixtures/ and an embedded worker. Extra arguments go to `callcredit serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v ffmpeg >/dev/null 2>&1; then
  echo "ffmpeg is needed to decode recordings: sudo apt-get install ffmpeg" >&2
  exit 1
fi
python3 -m pip install --quiet --disable-pip-version-check -e .
exec callcredit serve --demo "$@"
