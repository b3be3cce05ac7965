"""The rq worker: works the helpline's queues (most urgent first) and runs scheduled jobs.

Run with `python worker.py` (the Procfile's `worker:` line). Needs REDIS_URL.
"""
import logging
import sys

from bot import create_app
from bot.jobs import QUEUES, HelplineWorker, enqueue_periodic


def main() -> int:
    app = create_app()
    connection = app.extensions["redis"]
    if connection is None:
        logging.getLogger("worker").error("REDIS_URL is not set: without Redis, jobs run inside the web process")
        return 2
    with app.app_context():
        enqueue_periodic(connection)
        worker = HelplineWorker(list(QUEUES), connection=connection, maintenance_interval=60)
        worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
