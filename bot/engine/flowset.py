"""The loaded definition of every conversation: flows, keywords, settings and texts."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine.problems import FlowError, Problem
from bot.engine.textmatch import normalise
from bot.engine.texts import Catalogue


@dataclass(frozen=True)
class State:
    """One node of a flow; `spec` is its mapping from the file (with key lines)."""

    flow: str
    id: str
    kind: str
    spec: dict
    path: str
    line: int

    @property
    def ref(self) -> str:
        return f"{self.flow}.{self.id}"

    def line_of(self, key: str) -> int:
        return self.spec.line_of(key) if hasattr(self.spec, "line_of") else self.line


@dataclass(frozen=True)
class Flow:
    name: str
    start: str
    states: dict[str, State]
    path: str
    line: int
    start_line: int


@dataclass(frozen=True)
class Keyword:
    """A word that works from any state: its words are a locale key, in every language."""

    id: str
    words: str
    go: str
    path: str
    line: int
    while_opted_out: bool = False  # also answered after STOP (START, and DELETE so she can erase her data)


@dataclass(frozen=True)
class Settings:
    entry: str = "main.menu"
    first_contact: str | None = None  # where a new number starts when her language is not known
    idle_minutes: int = 60
    max_attempts: int = 3
    texts: dict = field(default_factory=dict)  # role -> locale key (welcome_back, stuck, hints)
    also_sent: tuple = ()  # (locale key or "namespace.*", line): texts sent outside the flows, checked too
    path: str = "flows/settings.yaml"
    line: int = 1
    key_lines: dict = field(default_factory=dict)


@dataclass
class FlowSet:
    flows: dict[str, Flow]
    texts: Catalogue
    keywords: list[Keyword]
    settings: Settings
    load_problems: list[Problem] = field(default_factory=list)
    keywords_path: str = "flows/keywords.yaml"
    numbers: dict = field(default_factory=dict)  # phone numbers texts may give, as %{name}
    _keyword_index: dict | None = field(default=None, repr=False)

    def resolve(self, ref: str, from_flow: str | None = None) -> State:
        """The state named by `ref`: `state` within `from_flow`, or `flow.state`."""
        flow_name, _, state_id = ref.rpartition(".")
        flow = self.flows.get(flow_name or from_flow or "")
        state = flow.states.get(state_id) if flow else None
        if state is None:
            raise FlowError(f"unknown state '{ref}'")
        return state

    def has_state(self, ref: str, from_flow: str | None = None) -> bool:
        try:
            self.resolve(ref, from_flow)
        except FlowError:
            return False
        return True

    def match_keyword(self, text: str) -> Keyword | None:
        """The keyword her whole message is, in any enabled language, else None."""
        if self._keyword_index is None:
            index = {}
            for keyword in self.keywords:
                for word in self.texts.words(keyword.words):
                    index.setdefault(word, keyword)
            self._keyword_index = index
        return self._keyword_index.get(normalise(text))
