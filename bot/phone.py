"""Phone numbers as Twilio and women write them, normalised to E.164."""
from __future__ import annotations

import phonenumbers

WHATSAPP_PREFIX = "whatsapp:"


class BadNumber(ValueError):
    """Not a phone number we can answer."""


def normalise(raw: str, region: str = "PK") -> str:
    """E.164 form of `raw`: accepts +92..., 0092..., 00 92 ..., 0300... (in `region`) and spaces or dashes."""
    text = (raw or "").strip()
    if text.lower().startswith(WHATSAPP_PREFIX):
        text = text[len(WHATSAPP_PREFIX):]
    if not text or len(text) > 40:
        raise BadNumber("empty or overlong number")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise BadNumber("not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise BadNumber("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def channel_of(address: str) -> str:
    """'whatsapp' for a whatsapp: address, else 'sms'."""
    return "whatsapp" if (address or "").strip().lower().startswith(WHATSAPP_PREFIX) else "sms"
