"""Encryption at rest and the keyed hash that finds a contact without storing her number in clear.

DATA_KEYS is a comma-separated list of Fernet keys: the first encrypts, all decrypt, so a key
can be rotated by putting a new one first (then re-encrypting with the newest key).
"""
from __future__ import annotations

import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.config import ConfigError


class Vault:
    def __init__(self, data_keys: str, secret_key: str):
        try:
            self._fernet = MultiFernet([Fernet(k.strip()) for k in data_keys.split(",") if k.strip()])
        except (ValueError, TypeError):
            raise ConfigError("DATA_KEYS must be Fernet keys (32 url-safe base64 bytes), comma-separated") from None
        # The lookup hash has its own key, derived from SECRET_KEY so it never equals a data key.
        self._hash_key = hmac.new(secret_key.encode(), b"contact-lookup-hash-v1", hashlib.sha256).digest()
        self._pseudonym_key = hmac.new(secret_key.encode(), b"staff-pseudonym-v1", hashlib.sha256).digest()

    def encrypt(self, text: str | None) -> str | None:
        return None if text is None else self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ConfigError("stored data cannot be decrypted: is its key still in DATA_KEYS?") from None

    def encrypt_json(self, value) -> str:
        return self.encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def decrypt_json(self, token: str | None, default=None):
        return default if token is None else json.loads(self.decrypt(token))

    def rotate(self, token: str) -> str:
        """The same value encrypted with the newest key."""
        return self._fernet.rotate(token.encode()).decode()

    def phone_hash(self, e164: str) -> str:
        return hmac.new(self._hash_key, e164.encode(), hashlib.sha256).hexdigest()

    def pseudonym(self, contact_id: int) -> str:
        """How staff see her: a stable name that says nothing of her number ("Guest HK4T-R7MW")."""
        digest = hmac.new(self._pseudonym_key, str(contact_id).encode(), hashlib.sha256).digest()
        letters = "".join(PSEUDONYM_ALPHABET[b % len(PSEUDONYM_ALPHABET)] for b in digest[:8])
        return f"Guest {letters[:4]}-{letters[4:]}"

    def key_hash(self, value: str) -> str:
        """A keyed hash for counting things (failed logins) without storing who or where."""
        return hmac.new(self._hash_key, b"key:" + value.encode(), hashlib.sha256).hexdigest()


# The case references' alphabet: no look-alike letters or digits, easy to read aloud on a call.
PSEUDONYM_ALPHABET = "ACEFHJKMNPRTWXY3479"
