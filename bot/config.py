"""Settings from the environment (12-factor), with safe defaults.

The app runs as production unless APP_ENV says otherwise; production refuses to start
without real secrets. `make run` sets APP_ENV=development, where missing secrets are
generated once into instance/ (ignored by git).
"""
from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
DEFAULT_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret"}


class ConfigError(RuntimeError):
    """The helpline cannot start with this configuration; the message says what to set."""


def _int(env, name: str, default: int) -> int:
    try:
        return int(env.get(name, default))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None


def _hours(text: str) -> tuple[int, int]:
    """"09:00-21:00" as minutes after midnight (start, end); an end before the start runs overnight."""
    try:
        start, end = (part.strip() for part in text.split("-"))
        minutes = [int(t.split(":")[0]) * 60 + int(t.split(":")[1]) for t in (start, end)]
    except (ValueError, IndexError):
        raise ConfigError("COUNSELLOR_HOURS must look like 09:00-21:00") from None
    if not all(0 <= m <= 24 * 60 for m in minutes):
        raise ConfigError("COUNSELLOR_HOURS must look like 09:00-21:00")
    return minutes[0], minutes[1]


def _float(env, name: str, default: float) -> float:
    try:
        value = float(env.get(name, default))
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0 seconds")
    return value


def from_env(env=os.environ) -> dict:
    """Flask config values read from `env`. Every variable is documented in README.md."""
    return {
        "APP_ENV": env.get("APP_ENV", "production"),
        "SECRET_KEY": env.get("SECRET_KEY", ""),
        "DATA_KEYS": env.get("DATA_KEYS", ""),
        "DATABASE_URL": env.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'helpline.db'}"),
        "REDIS_URL": env.get("REDIS_URL", ""),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_SMS_FROM": env.get("TWILIO_SMS_FROM", ""),
        "TWILIO_WHATSAPP_FROM": env.get("TWILIO_WHATSAPP_FROM", ""),
        "TWILIO_WHATSAPP_TEMPLATE_SID": env.get("TWILIO_WHATSAPP_TEMPLATE_SID", ""),
        # Only for tests and staging: another address for Twilio's REST API (the fake in tests/).
        "TWILIO_API_BASE": env.get("TWILIO_API_BASE", "").rstrip("/"),
        "TWILIO_HTTP_TIMEOUT": _float(env, "TWILIO_HTTP_TIMEOUT", 15),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "").rstrip("/"),
        "FLOWS_DIR": env.get("FLOWS_DIR", str(ROOT / "flows")),
        "LOCALES_DIR": env.get("LOCALES_DIR", str(ROOT / "locales")),
        "FACTS_FILE": env.get("FACTS_FILE", str(ROOT.parent / "shared" / "law" / "FACTS.md")),
        "DEFAULT_REGION": env.get("DEFAULT_REGION", "PK"),
        "RETENTION_DAYS": _int(env, "RETENTION_DAYS", 90),
        "SIMULATOR_ENABLED": env.get("SIMULATOR_ENABLED", "").lower() in ("1", "true", "yes")
        or env.get("APP_ENV") == "development",
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        # The counsellors' queue (bot/chats.py).
        "COUNSELLOR_HOURS": _hours(env.get("COUNSELLOR_HOURS", "09:00-21:00")),
        "COUNSELLOR_TIMEZONE": env.get("COUNSELLOR_TIMEZONE", "Asia/Karachi"),
        "COUNSELLOR_WAIT_MINUTES": _int(env, "COUNSELLOR_WAIT_MINUTES", 15),
        "COUNSELLOR_IDLE_MINUTES": _int(env, "COUNSELLOR_IDLE_MINUTES", 30),
        "COUNSELLOR_ALERT_NUMBERS": [n.strip() for n in env.get("COUNSELLOR_ALERT_NUMBERS", "").split(",") if n.strip()],
        # Console sessions: a signed cookie, not readable by scripts, sent over HTTPS only in production.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("APP_ENV", "production") == "production",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int(env, "CONSOLE_SESSION_HOURS", 10)),
        "WTF_CSRF_TIME_LIMIT": None,  # a form's token lives as long as her login, not an hour
        # Failed logins allowed per username and per address within the window, before a pause.
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5),
        "LOGIN_WINDOW_MINUTES": _int(env, "LOGIN_WINDOW_MINUTES", 15),
        # Twilio's own limit is 1,600 characters; a form far larger than that is not from Twilio.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024),
    }


def dev_secrets(folder: Path = INSTANCE) -> dict:
    """Development secrets, generated on first use and kept in instance/dev-secrets.json."""
    file = folder / "dev-secrets.json"
    if file.exists():
        return json.loads(file.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    values = {"SECRET_KEY": secrets.token_urlsafe(32), "DATA_KEYS": Fernet.generate_key().decode()}
    file.write_text(json.dumps(values))
    file.chmod(0o600)
    return values


def finish(config: dict) -> dict:
    """Fill development secrets, or refuse to run production without real ones."""
    if config["APP_ENV"] == "development":
        generated = dev_secrets()
        for name in ("SECRET_KEY", "DATA_KEYS"):
            config[name] = config[name] or generated[name]
    if config["SECRET_KEY"].strip().lower() in DEFAULT_SECRET_KEYS or len(config["SECRET_KEY"]) < 16:
        raise ConfigError("SECRET_KEY is missing or too weak: set a long random value "
                          "(python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    if not config["DATA_KEYS"].strip():
        raise ConfigError("DATA_KEYS is missing: set one or more Fernet keys, comma-separated "
                          "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')")
    return config
