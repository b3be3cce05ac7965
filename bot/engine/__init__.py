"""The conversation engine: pure, no I/O.

`resume(flows, session, text, now)` takes a loaded flow set, her current session and what
she sent, and returns her new session and the events it caused. The web layer stores the
session, sends the replies and acts on the other events.
"""
from bot.engine.events import Event
from bot.engine.flowset import FlowSet
from bot.engine.loader import load_flowset
from bot.engine.resume import resume
from bot.engine.session import Session, Status
from bot.engine.validator import Problem, validate

__all__ = ["Event", "FlowSet", "Problem", "Session", "Status", "load_flowset", "resume", "validate"]
