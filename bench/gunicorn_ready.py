"""Gunicorn config for webhook_throughput.py: each worker says when it can take requests.

A health check answers as soon as the first worker has loaded the app; the others may
still be importing it, and a run that starts then measures one worker, not all of them.
post_worker_init runs once a worker has loaded the app, so the benchmark waits until
there is one file per worker in BENCH_READY_DIR.
"""
import os
from pathlib import Path


def post_worker_init(worker):
    folder = os.environ.get("BENCH_READY_DIR")
    if folder:
        Path(folder, str(worker.pid)).touch()
