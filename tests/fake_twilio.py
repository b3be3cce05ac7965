"""A fake of Twilio's Messages API on loopback, for the real `twilio` client to talk to.

    POST /2010-04-01/Accounts/<sid>/Messages.json   create a message (201, or a failure queued with fail_next)
    GET  /2010-04-01/Accounts/<sid>/Messages.json   list messages, newest first, filtered by To and DateSent>

Both check HTTP basic auth (account SID and auth token) as Twilio does. The app reaches it through
TWILIO_API_BASE (see `settings`), so bot.channels.twilio.make_client and the twilio library run end to end.

Failures apply to creates only, one per request, in order:
    ("status", 500)             an HTTP error with Twilio's JSON error body (also 429, 503...)
    ("twilio_error", 21211, 400) a Twilio error code; its message quotes the number, as Twilio's do
    ("timeout", seconds)        no answer for that long, message not created (the client times out)
    ("accept_then_timeout", s)  the message IS created, but the answer comes too late (a lost response)
    ("accept_and_hold",)        the message is created, `holding` is set, and the answer waits for `release()`
"""
from __future__ import annotations

import secrets
import threading
from collections import deque
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import Flask, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

API = "/2010-04-01/Accounts/<account_sid>/Messages.json"


class _QuietHandler(WSGIRequestHandler):
    # werkzeug would log each request line, and a list request's query carries the number.
    def log_request(self, *args, **kwargs):
        pass


def _rfc2822(moment: datetime | None) -> str | None:
    return format_datetime(moment, usegmt=True) if moment else None


class FakeTwilio:
    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[dict] = []     # every message accepted, oldest first
        self.create_requests = 0            # create requests received (counted on arrival)
        self.creates: list[int] = []       # the HTTP status of every create answered, in order
        self.holding = threading.Event()   # set while an ("accept_and_hold",) request waits
        self._release = threading.Event()
        self._stopping = threading.Event()
        self._failures: deque = deque()
        self._lock = threading.Lock()
        self.app = self._build()
        self._server = None
        self._thread = None

    # --- control ---------------------------------------------------------------------------------

    def start(self) -> "FakeTwilio":
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-twilio", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._release.set()
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def settings(self) -> dict:
        """App config overrides that point the helpline's Twilio client here."""
        return {"TWILIO_ACCOUNT_SID": self.account_sid, "TWILIO_AUTH_TOKEN": self.auth_token,
                "TWILIO_API_BASE": self.base_url, "TWILIO_HTTP_TIMEOUT": 2.0,
                "TWILIO_SMS_FROM": "+15005550006", "TWILIO_WHATSAPP_FROM": "whatsapp:+15005550007"}

    def fail_next(self, *behaviours: tuple) -> None:
        """Make the next creates fail, one behaviour per request (see the module docstring)."""
        with self._lock:
            self._failures.extend(behaviours)

    def release(self) -> None:
        """Let an ("accept_and_hold",) request answer."""
        self._release.set()

    def replay_status(self, client_or_url, message: dict, status: str, error_code: str | None = None):
        """Post Twilio's status callback for `message` (as recorded here), correctly signed, to the app.

        `client_or_url` is a Flask test client, or the base URL of a running app (then `requests` posts).
        """
        from tests.conftest import sign

        callback = message["status_callback"]
        if not callback:
            raise AssertionError("the message was sent without a status_callback")
        parts = urlsplit(callback)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        params = {"MessageSid": message["sid"], "MessageStatus": status, "AccountSid": self.account_sid,
                  "From": message["from"], "To": message["to"], "ApiVersion": "2010-04-01"}
        if error_code:
            params["ErrorCode"] = error_code
        headers = {"X-Twilio-Signature": sign(path, params, token=self.auth_token,
                                              base=f"{parts.scheme}://{parts.netloc}")}
        if isinstance(client_or_url, str):
            import requests
            return requests.post(client_or_url.rstrip("/") + path, data=params, headers=headers, timeout=10)
        return client_or_url.post(path, data=params, headers=headers)

    # --- the API ---------------------------------------------------------------------------------

    def _build(self) -> Flask:
        app = Flask("fake_twilio")

        @app.before_request
        def authenticate():
            auth = request.authorization
            account = (request.view_args or {}).get("account_sid")
            if auth is None or auth.username != self.account_sid or auth.password != self.auth_token \
                    or account != self.account_sid:
                return _error(401, 20003, "Authenticate")

        @app.post(API)
        def create(account_sid):
            form = request.form
            with self._lock:
                self.create_requests += 1
            behaviour = self._next_failure()
            if behaviour is not None and behaviour[0] in ("status", "twilio_error", "timeout"):
                return self._fail(behaviour, form)
            if not form.get("To") or not form.get("From"):
                return self._record_status(_error(400, 21604, "A 'To' and a 'From' phone number are required."))
            if not form.get("Body") and not form.get("ContentSid"):
                return self._record_status(_error(400, 21602, "Message body is required."))
            message = self._accept(form)
            if behaviour is not None and behaviour[0] == "accept_then_timeout":
                self._stopping.wait(behaviour[1])
            elif behaviour is not None and behaviour[0] == "accept_and_hold":
                self.holding.set()
                self._release.wait(30)
            return self._record_status((jsonify(self._resource(message, created=True)), 201))

        @app.get(API)
        def read(account_sid):
            to, since = request.args.get("To"), request.args.get("DateSent>")
            since_at = datetime.fromisoformat(since.replace("Z", "+00:00")) if since else None
            with self._lock:
                found = [m for m in reversed(self.messages)
                         if (to is None or m["to"] == to) and (since_at is None or m["date_sent"] >= since_at)]
            size = int(request.args.get("PageSize", 50))
            uri = request.full_path.rstrip("?")
            return jsonify({"messages": [self._resource(m) for m in found[:size]], "start": 0,
                            "end": max(0, min(len(found), size) - 1), "page": 0, "page_size": size,
                            "first_page_uri": uri, "previous_page_uri": None, "next_page_uri": None, "uri": uri})

        return app

    def _next_failure(self):
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def _fail(self, behaviour: tuple, form):
        kind = behaviour[0]
        if kind == "status":
            status = behaviour[1]
            return self._record_status(_error(status, 20000 + status if status in (429, 500, 503) else status,
                                              "Too Many Requests" if status == 429 else "Service unavailable"))
        if kind == "twilio_error":
            code, status = behaviour[1], behaviour[2] if len(behaviour) > 2 else 400
            # Twilio's real messages quote the number: the helpline must never log or store them.
            return self._record_status(_error(status, code, f"Twilio error {code} for 'To' {form.get('To')}"))
        self._stopping.wait(behaviour[1])  # "timeout": the client gives up first
        return self._record_status(_error(504, 20504, "Gateway timeout"))

    def _record_status(self, response):
        status = response[1] if isinstance(response, tuple) else response.status_code
        with self._lock:
            self.creates.append(status)
        return response

    def _accept(self, form) -> dict:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        message = {"sid": "SM" + secrets.token_hex(16), "to": form["To"], "from": form["From"],
                   "body": form.get("Body") or (f"[template {form['ContentSid']}]" if form.get("ContentSid") else ""),
                   "content_sid": form.get("ContentSid"), "content_variables": form.get("ContentVariables"),
                   "status_callback": form.get("StatusCallback"),
                   # Sent at once: listed as "sent" with a date_sent, though created as "queued".
                   "status": "sent", "date_created": now, "date_sent": now}
        with self._lock:
            self.messages.append(message)
        return message

    def _resource(self, message: dict, created: bool = False) -> dict:
        return {"account_sid": self.account_sid, "api_version": "2010-04-01", "sid": message["sid"],
                "to": message["to"], "from": message["from"], "body": message["body"],
                "status": "queued" if created else message["status"], "direction": "outbound-api",
                "date_created": _rfc2822(message["date_created"]), "date_updated": _rfc2822(message["date_created"]),
                "date_sent": None if created else _rfc2822(message["date_sent"]),
                "error_code": None, "error_message": None, "num_media": "0", "num_segments": "1",
                "price": None, "price_unit": "USD", "messaging_service_sid": None,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message['sid']}.json",
                "subresource_uris": {}}


def _error(status: int, code: int, message: str):
    return jsonify({"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}), status
