"""One turn of a conversation: `resume(flows, session, text, now) -> (session, events)`."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.engine.detect import detect_language
from bot.engine.events import Event, FlowEnded, HeldForCounsellor, LanguageChanged, Reply, ValueSaved
from bot.engine.flowset import FlowSet, State
from bot.engine.problems import FlowError
from bot.engine.segments import count_segments
from bot.engine.services import NoServices, Services
from bot.engine.session import Session, Status
from bot.engine.steps import END, HOLD, INVALID, STEP_TYPES, WAIT
from bot.engine.textmatch import clean_inbound

# States passed through in one turn without waiting; more means a loop in the flows.
MAX_STEPS_PER_TURN = 50


class Turn:
    """The working state of one turn: the session being changed and the events so far."""

    def __init__(self, flows: FlowSet, session: Session, now: datetime, services: Services | None = None):
        self.flows = flows
        self.session = session
        self.now = now
        self.services = services or NoServices()
        self.events: list[Event] = []

    @property
    def language(self) -> str:
        return self.session.language or self.flows.texts.default

    def text(self, key: str, **params) -> str:
        values = {k: v for k, v in self.session.values.items() if isinstance(v, (str, int, float))}
        return self.flows.texts.render(self.language, key, {**self.flows.numbers, **values, **params})

    def say(self, key: str, **params) -> None:
        self.send(self.text(key, **params), key)

    def send(self, text: str, key: str) -> None:
        self.events.append(Reply(text, key))

    def save(self, name: str, value) -> None:
        self.session.values[name] = value
        self.events.append(ValueSaved(name, value))

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def current(self) -> State:
        return self.flows.resolve(self.session.position)

    def go(self, ref: str, from_flow: str | None = None) -> None:
        """Enter `ref` and keep going through states that do not wait for her."""
        for _ in range(MAX_STEPS_PER_TURN):
            state = self.flows.resolve(ref, from_flow)
            self.session.flow, self.session.state = state.flow, state.id
            self.session.attempts = 0
            outcome = STEP_TYPES[state.kind].enter(self, state)
            if outcome is WAIT:
                self.session.status = Status.ACTIVE
                return
            if outcome is HOLD:
                self.session.status = Status.ESCALATED
                return
            if outcome is END:
                self.session.status = Status.ENDED
                self.emit(FlowEnded(state.flow))
                return
            ref, from_flow = outcome, state.flow
        raise FlowError(f"more than {MAX_STEPS_PER_TURN} states without waiting for an answer (a loop?)")

    def answer(self, text: str) -> None:
        """Give her message to the state waiting for it; re-prompt if it does not fit."""
        state = self.current()
        step = STEP_TYPES[state.kind]
        outcome = step.handle(self, state, text)
        if outcome is WAIT:  # the step answered and still waits here (the next part of a text)
            self.session.attempts = 0
            return
        if outcome is not INVALID:
            self.go(outcome, state.flow)
            return
        self.session.attempts += 1
        if self.session.attempts >= self.flows.settings.max_attempts:
            self.say(self.flows.settings.texts["stuck"])
            self.session.attempts = 0
            return
        self.reprompt(state)

    def reprompt(self, state: State) -> None:
        """Ask again after an answer that did not fit: the hint on the first line, then the question.

        When both would cost more SMS than the question's budget, the hint and what she can reply
        (a menu's options) only: the question is still on her screen.
        """
        step = STEP_TYPES[state.kind]
        first_new = len(self.events)
        step.reprompt(self, state)
        hint = step.hint_key(self, state)
        if hint and len(self.events) > first_new:
            prompt = self.events[first_new]
            text = f"{self.text(hint)}\n{prompt.text}"
            if count_segments(text).segments > self.flows.texts.budget(prompt.key):
                reminder = step.reminder(self, state)
                text = f"{self.text(hint)}\n{reminder}" if reminder else self.text(hint)
            self.events[first_new] = Reply(text, prompt.key)

    def restart(self, welcome_back: bool = False) -> None:
        if welcome_back:
            self.say(self.flows.settings.texts["welcome_back"])
        self.go(self.flows.settings.entry)

    def detect_language(self, text: str) -> None:
        language = detect_language(text, self.flows.texts, self.flows.keywords)
        if language:
            self.session.language = language
            self.emit(LanguageChanged(language))

    def first_contact(self) -> None:
        """A new number: answer in the language she wrote in (already detected), else ask which."""
        if self.session.language is None and len(self.flows.texts.languages) > 1 and self.flows.settings.first_contact:
            self.go(self.flows.settings.first_contact)
        else:
            self.restart()


def is_idle(flows: FlowSet, session: Session, now: datetime) -> bool:
    """True when she left a conversation half-way longer ago than the idle limit."""
    if session.updated_at is None or session.status is not Status.ACTIVE:
        return False
    return now - session.updated_at > timedelta(minutes=flows.settings.idle_minutes)


def resume(flows: FlowSet, session: Session, text: str | None, now: datetime,
           services: Services | None = None) -> tuple[Session, list[Event]]:
    """Advance `session` by her message `text` at time `now`.

    `services` answers what only the caller knows (case references, routing, case status; see
    bot/engine/services.py); flows without case actions need none.

    Returns a new session (the given one is not changed) and the events of this turn:
    replies to send, values saved, and requests for the caller (escalate, opt out, erase...).
    Keywords (menu, language, counsellor, quick exit, stop, start, delete) work from any state;
    a conversation left idle too long restarts at the entry with a "welcome back".
    """
    turn = Turn(flows, session.copy(), now, services)
    text = clean_inbound(text)
    keyword = flows.match_keyword(text) if text else None
    current = turn.session
    if current.status is Status.NEW and current.language is None:
        turn.detect_language(text)  # even a first message that is a keyword is answered in her language

    if current.opted_out:
        # After STOP only a few keywords are answered, and the questions they ask (DELETE's confirmation).
        if keyword and keyword.while_opted_out:
            turn.go(keyword.go)
        elif current.status is Status.ACTIVE and not keyword:
            turn.answer(text)
    elif keyword and keyword.go == flows.settings.entry and current.status is Status.NEW:
        turn.first_contact()  # "menu" as her very first message: her language first, if still unknown
    elif keyword:
        turn.go(keyword.go)
    elif current.status is Status.ESCALATED:
        turn.emit(HeldForCounsellor())
    elif current.status is Status.NEW:
        turn.first_contact()
    elif current.status is not Status.ACTIVE or not flows.has_state(current.position or ""):
        turn.restart()
    elif is_idle(flows, current, now):
        turn.restart(welcome_back=True)
    else:
        turn.answer(text)

    current.updated_at = now
    return current, turn.events

