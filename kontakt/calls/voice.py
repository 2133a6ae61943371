"""What the waiting room says, as AGI command lines: pure, so the tests read
what a caller would hear.  ``PromptVoice`` speaks the IVR's prompt library in
the caller's language; ``StockVoice`` uses Asterisk's own English sounds,
for an engine that runs without a configuration (router = direct)."""

from __future__ import annotations

from typing import Protocol

from ivr.prompts import PromptLibrary

CALLBACK_KEY = "1"


class Voice(Protocol):
    def position(self, language: str, position: int, minutes: int) -> list[str]: ...
    def callback_offer(self, language: str) -> list[str]: ...
    def callback_recorded(self, language: str) -> list[str]: ...


def _stream(path: str, escape: str = "") -> str:
    return f'STREAM FILE {path} "{escape}"'


class StockVoice:
    def position(self, language: str, position: int, minutes: int) -> list[str]:
        steps = [_stream("queue-youarenext")] if position == 1 else [
            _stream("queue-thereare"), f'SAY NUMBER {position - 1} ""',
            _stream("queue-callswaiting")]
        return [*steps, _stream("queue-holdtime"), f'SAY NUMBER {minutes} ""',
                _stream(f"queue-minute{'s' if minutes > 1 else ''}")]

    def callback_offer(self, language: str) -> list[str]:
        return [_stream(p, CALLBACK_KEY) for p in ("vm-press", "digits/1", "vm-tocallback")]

    def callback_recorded(self, language: str) -> list[str]:
        return [_stream("queue-thankyou")]


class PromptVoice:
    def __init__(self, library: PromptLibrary, languages: tuple[str, ...],
                 default: str) -> None:
        self.lib, self.languages, self.default = library, languages, default

    def _lang(self, language: str) -> str:
        return language if language in self.languages else self.default

    def position(self, language: str, position: int, minutes: int) -> list[str]:
        lang, lib = self._lang(language), self.lib
        if position == 1:
            steps = [_stream(lib.path("queue_next", lang))]
        else:
            steps = [_stream(lib.path("queue_ahead", lang)),
                     *(_stream(p) for p in lib.number(position - 1, lang))]
        return [*steps, _stream(lib.path("queue_wait", lang)),
                *(_stream(p) for p in lib.number(minutes, lang))]

    def callback_offer(self, language: str) -> list[str]:
        return [_stream(self.lib.path("queue_callback", self._lang(language)), CALLBACK_KEY)]

    def callback_recorded(self, language: str) -> list[str]:
        return [_stream(self.lib.path("queue_callback_recorded", self._lang(language)))]
