"""Messaging channels (Twilio SMS and WhatsApp)."""
