# callcredit: the API, web pages and an embedded transcription worker in one image.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .
COPY fixtures ./fixtures

ENV CALLCREDIT_DATABASE_URL=sqlite:////data/callcredit.db \
    CALLCREDIT_RECORDINGS_DIR=/data/recordings \
    HF_HUB_OFFLINE=1
VOLUME /data
EXPOSE 8000
CMD ["callcredit", "serve", "--host", "0.0.0.0", "--port", "8000"]
