#!/usr/bin/env bash
# Serve congso: gunicorn (WSGI, sync workers) on $HOST:$PORT, the django-tasks database worker and the
# periodic scheduler (deadline warnings).
# Ctrl-C stops both.
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WORKERS=${WEB_CONCURRENCY:-3}

"$PY" manage.py db_worker &
worker=$!
"$PY" manage.py run_periodic &
periodic=$!
trap 'kill "$worker" "$periodic" 2>/dev/null || true' EXIT INT TERM

echo
echo "congso: http://$HOST:$PORT/  (quản trị: http://$HOST:$PORT/admin/) — Ctrl-C để dừng"
"$PY" -m gunicorn congso.wsgi:application --bind "$HOST:$PORT" --workers "$WORKERS" --access-logfile - &
web=$!
trap 'kill "$web" "$worker" "$periodic" 2>/dev/null || true' EXIT INT TERM
wait -n "$web" "$worker" "$periodic"
