"""Background jobs, enqueued by dotted name ("bot.tasks.purge_old_conversations").

With REDIS_URL they go to rq queues that `worker.py` works through; without it they run
in-process at once, so `make run` needs nothing else. Enqueue only after your transaction commits.
"""
from __future__ import annotations

import importlib
import logging
from datetime import timedelta

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

log = logging.getLogger(__name__)

QUEUES = ("high", "default", "low")
"""The helpline's queues, most urgent first; a worker takes from them in this order."""

PERIODIC = {
    "bot.tasks.purge_old_conversations": ("low", 6 * 3600),
    "bot.tasks.sweep_outbox": ("default", 60),
    "bot.tasks.sweep_chats": ("default", 60),
}
"""Jobs the worker enqueues on a schedule: dotted name -> (queue, every N seconds)."""


def init_app(app: Flask) -> None:
    url = app.config["REDIS_URL"]
    app.extensions["redis"] = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5) if url else None


def redis() -> Redis | None:
    return current_app.extensions.get("redis")


def redis_ok() -> bool:
    try:
        return bool(redis() and redis().ping())
    except RedisError:
        return False


def run_now(name: str, *args, **kwargs):
    """Call the job `name` in this process."""
    module, _, function = name.rpartition(".")
    return getattr(importlib.import_module(module), function)(*args, **kwargs)


def enqueue(name: str, *args, queue: str = "default", **kwargs):
    """Queue the job `name` (a dotted path) with rq, or run it now when there is no Redis."""
    connection = redis()
    if connection is None:
        return run_now(name, *args, **kwargs)
    return Queue(queue, connection=connection).enqueue(name, *args, **kwargs)


def enqueue_in(delay: timedelta, name: str, *args, queue: str = "default", **kwargs):
    """Queue the job `name` to run after `delay` (rq's scheduler, which worker.py runs).

    Without Redis nothing is scheduled and None is returned: the caller must keep enough in the
    database for a sweep to find the work later (the outbox does).
    """
    connection = redis()
    if connection is None:
        return None
    return Queue(queue, connection=connection).enqueue_in(delay, name, *args, **kwargs)


class HelplineWorker(SimpleWorker):
    """An rq worker that runs jobs inside the app (no fork) and enqueues the periodic jobs.

    Each periodic job is enqueued once per interval across all workers (a Redis key with NX).
    """

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        enqueue_periodic(self.connection)


def enqueue_periodic(connection: Redis) -> list[str]:
    enqueued = []
    for name, (queue, every) in PERIODIC.items():
        if connection.set(f"helpline:periodic:{name}", "1", nx=True, ex=every):
            Queue(queue, connection=connection).enqueue(name)
            enqueued.append(name)
    return enqueued
