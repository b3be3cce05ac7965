"""Throughput of the inbound Twilio webhook, against a bare signature-checking Flask app.

Starts the helpline (app:app) and bench/bare_app.py under gunicorn on loopback ports with the
same number of workers, sends each the same load of signed inbound messages, and prints
messages per second, p50 and p99 latency and errors for each, then the helpline's share of the
bare app's throughput. See bench/README.md.

    .venv/bin/python bench/webhook_throughput.py [--quick] [--messages N] [--concurrency C]
        [--workers W] [--numbers P] [--time-limit S] [--database-url URL]
"""
from __future__ import annotations

import argparse
import math
import os
import queue
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from twilio.request_validator import RequestValidator

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PUBLIC_BASE_URL = "http://bench.local"
PATH = "/twilio/messages"
STARTUP_LIMIT = 30.0  # seconds for gunicorn to load the app in every worker

# Each number opens with "hi" (the main menu), then loops through this script, which walks the
# rights flow (topics -> what_1 -> what_2 -> topics -> boss -> options_1 -> options_2 -> topics)
# and goes back to the menu with the "menu" keyword. Every step moves her to a new state, and
# none asks for a counsellor, which would hand the chat over and leave the bot silent.
OPENING = "hi"
SCRIPT = ["1", "1", "1", "1", "2", "1", "1", "2", "menu"]


# --- Servers ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base: str            # http://127.0.0.1:port
    log: Path
    ready_dir: Path

    def log_tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn: graceful shutdown of the master and its workers
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(name: str, app: str, chdir: Path, workers: int, env: dict, tmp: Path) -> Server:
    port = free_port()
    ready_dir = tmp / f"{name}-ready"
    ready_dir.mkdir()
    log = tmp / f"{name}-gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", app, "--chdir", str(chdir),
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--config", str(BENCH / "gunicorn_ready.py"), "--error-logfile", "-"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env={**env, "BENCH_READY_DIR": str(ready_dir)},
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return Server(name, process, f"http://127.0.0.1:{port}", log, ready_dir)


def wait_until_ready(server: Server, workers: int, probe) -> None:
    """Poll (bounded) until every worker has loaded the app and `probe()` answers True."""
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name}: gunicorn exited with {server.process.returncode}:\n"
                               f"{server.log_tail()}")
        if len(list(server.ready_dir.iterdir())) >= workers:
            try:
                if probe():
                    return
            except requests.RequestException:
                pass
        time.sleep(0.05)
    raise RuntimeError(f"{server.name}: not ready after {STARTUP_LIMIT:.0f} s:\n{server.log_tail()}")


# --- Load -------------------------------------------------------------------------------------

@dataclass
class Run:
    name: str
    target: int
    latencies: list[float] = field(default_factory=list)   # seconds, answered requests only
    errors: Counter = field(default_factory=Counter)        # kind -> count
    done: int = 0
    elapsed: float = 0.0
    timed_out: bool = False

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    @property
    def throughput(self) -> float:
        return self.done / self.elapsed if self.elapsed else 0.0


def phone_pool(size: int) -> list[str]:
    # Random rather than fixed numbers, so a reused --database-url starts new conversations.
    return [f"+92300{n:07d}" for n in random.sample(range(10**7), size)]


def quotas(messages: int, numbers: list[str]) -> dict[str, int]:
    """Messages per number: as even as possible, summing to `messages`."""
    share, extra = divmod(messages, len(numbers))
    return {number: share + (i < extra) for i, number in enumerate(numbers)}


def body_for(step: int) -> str:
    return OPENING if step == 0 else SCRIPT[(step - 1) % len(SCRIPT)]


def load(server: Server, name: str, messages: int, concurrency: int, numbers: list[str],
         token: str, time_limit: float) -> Run:
    """Send `messages` signed inbound messages with `concurrency` threads; measure each one.

    A number's next message is queued only once the reply to its previous one has arrived,
    as from a phone: her messages stay in order and the engine advances one state at a time,
    while different numbers run in parallel.
    """
    run = Run(name, messages)
    validator = RequestValidator(token)
    url = server.base + PATH
    quota = quotas(messages, numbers)
    turns: queue.Queue = queue.Queue()
    for number in numbers:
        if quota[number]:
            turns.put((number, 0))
    lock = threading.Lock()
    stop = threading.Event()
    started = time.perf_counter()
    deadline = time.monotonic() + time_limit

    def finish(timed_out: bool = False) -> None:
        with lock:
            if not stop.is_set():
                run.elapsed = time.perf_counter() - started
                run.timed_out = timed_out
                stop.set()

    def client() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                try:
                    number, step = turns.get(timeout=0.1)
                except queue.Empty:
                    continue
                if time.monotonic() >= deadline:
                    finish(timed_out=True)
                    return
                params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32,
                          "From": number, "To": "+923009999999", "Body": body_for(step),
                          "NumMedia": "0"}
                headers = {"X-Twilio-Signature": validator.compute_signature(PUBLIC_BASE_URL + PATH,
                                                                             params)}
                timeout = min(30.0, max(1.0, deadline - time.monotonic()))
                error = None
                sent = time.perf_counter()
                try:
                    response = http.post(url, data=params, headers=headers, timeout=timeout)
                    latency = time.perf_counter() - sent
                    if response.status_code != 200:
                        error = f"HTTP {response.status_code}"
                    elif not response.headers.get("Content-Type", "").startswith("text/xml"):
                        error = f"Content-Type {response.headers.get('Content-Type')!r}"
                except requests.RequestException as exc:
                    latency, error = None, type(exc).__name__
                with lock:
                    if latency is not None:
                        run.latencies.append(latency)
                    if error:
                        run.errors[error] += 1
                    run.done += 1
                    everything_sent = run.done == run.target
                if everything_sent:
                    finish()
                elif step + 1 < quota[number]:
                    turns.put((number, step + 1))

    threads = [threading.Thread(target=client, name=f"{name}-client-{i}", daemon=True)
               for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return run


def report(run: Run) -> None:
    print(f"{run.name + ':':<9} {run.throughput:.1f} msg/s  p50 {run.percentile(50):.1f} ms  "
          f"p99 {run.percentile(99):.1f} ms  errors {run.error_count}")
    if run.timed_out:
        print(f"  stopped at the time limit after {run.done} of {run.target} messages")
    for kind, count in run.errors.most_common(5):
        print(f"  {count} x {kind}")


# --- Main -------------------------------------------------------------------------------------

def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400, help="messages per server (default 400)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (default 2)")
    parser.add_argument("--numbers", type=int, default=50, help="distinct phone numbers (default 50)")
    parser.add_argument("--time-limit", type=float, default=120.0,
                        help="seconds of load per server before stopping early (default 120)")
    parser.add_argument("--database-url", help="the helpline's database (default: a fresh temporary SQLite)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 100 messages")
    args = parser.parse_args(argv)
    if args.quick:
        args.messages = 100
    for name in ("messages", "concurrency", "workers", "numbers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def main(argv=None) -> int:
    args = arguments(argv)
    # gunicorn is stopped in `finally`; make SIGTERM unwind to it as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="helpline-bench-"))
    servers: list[Server] = []
    try:
        token = secrets.token_hex(16)
        database_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        env = {**os.environ, "APP_ENV": "test", "SECRET_KEY": secrets.token_urlsafe(32),
               "DATA_KEYS": Fernet.generate_key().decode(), "TWILIO_AUTH_TOKEN": token,
               "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "REDIS_URL": "", "LOG_LEVEL": "WARNING",
               "DATABASE_URL": database_url}
        migration = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                                   cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        if migration.returncode != 0:
            print(f"flask db upgrade failed:\n{migration.stdout}{migration.stderr}", file=sys.stderr)
            return 2

        helpline = start_gunicorn("helpline", "app:app", ROOT, args.workers, env, tmp)
        servers.append(helpline)
        bare = start_gunicorn("bare", "bare_app:app", BENCH, args.workers, env, tmp)
        servers.append(bare)

        def healthz() -> bool:
            return requests.get(helpline.base + "/healthz", timeout=2).status_code == 200

        def signed_post() -> bool:
            params = {"MessageSid": f"SM{uuid.uuid4().hex}", "From": "+923000000000", "Body": "ping"}
            signature = RequestValidator(token).compute_signature(PUBLIC_BASE_URL + PATH, params)
            return requests.post(bare.base + PATH, data=params, timeout=2,
                                 headers={"X-Twilio-Signature": signature}).status_code == 200

        wait_until_ready(helpline, args.workers, healthz)
        wait_until_ready(bare, args.workers, signed_post)

        database = "temporary sqlite" if not args.database_url else args.database_url.split(":", 1)[0]
        print(f"{args.messages} messages from {args.numbers} numbers, {args.concurrency} client threads, "
              f"{args.workers} gunicorn workers each, helpline database: {database}")
        # Both servers get the same load; a fresh pool of numbers for each keeps them independent.
        runs = {}
        for server in (bare, helpline):
            runs[server.name] = load(server, server.name, args.messages, args.concurrency,
                                     phone_pool(args.numbers), token, args.time_limit)
            report(runs[server.name])
        bare_run, helpline_run = runs["bare"], runs["helpline"]
        if bare_run.throughput and helpline_run.latencies and bare_run.latencies:
            print(f"ratio: {helpline_run.throughput / bare_run.throughput:.2f} of bare throughput  "
                  f"p50 {helpline_run.percentile(50) / bare_run.percentile(50):.1f}x bare")
        return 1 if any(run.error_count or run.timed_out for run in runs.values()) else 0
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
