"""Prompt audio: texts from the configuration rendered with espeak-ng + sox,
and recordings an administrator places, which take precedence.

Layout under one prompts directory (setting ``prompts_dir``)::

    generated/LANG/ID.wav   written by `kontakt prompts build` (8 kHz mono 16-bit)
    generated/LANG/ID.txt   voice and text it was made from (unchanged: not redone)
    recorded/LANG/ID.wav    placed by the administrator (.wav, .sln, .gsm, .ulaw, .alaw)

``PromptLibrary.path(id, lang)`` is what ``STREAM FILE`` wants: an absolute
path without extension (Asterisk picks the format).  Digits ``digit_0`` ..
``digit_9`` are generated per language for reading out request numbers, and
``number_1`` .. ``number_99`` for the waiting room's positions and minutes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dialplan.model import Config

RECORDED_FORMATS = (".wav", ".sln", ".gsm", ".ulaw", ".alaw", ".g722")
DIGITS = tuple(str(d) for d in range(10))
NUMBERS = range(1, 100)


class PromptBuildError(Exception):
    code = "prompts.build_failed"

    def __init__(self, message: str, **details: str) -> None:
        super().__init__(message)
        self.details = details


@dataclass(frozen=True)
class PromptLibrary:
    root: Path
    # language -> (the recorded/LANG folder's mtime, the prompt ids recorded there):
    # one stat per prompt played instead of one per recorded format.
    _recorded: dict[str, tuple[int, frozenset[str]]] = field(
        default_factory=dict, compare=False, repr=False)
    # language -> its recorded and generated folders as plain strings: a path
    # per prompt played is a string join, not pathlib's (most of its cost).
    _folders: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    def _folders_of(self, language: str) -> tuple[str, str]:
        folders = self._folders.get(language)
        if folders is None:
            root = str(self.root)
            folders = (os.path.join(root, "recorded", language),
                       os.path.join(root, "generated", language))
            self._folders[language] = folders
        return folders

    def _recorded_ids(self, folder: str, language: str) -> frozenset[str]:
        """The prompt ids recorded in ``folder``.  Its mtime is looked at on
        every prompt played (a recording placed is heard on the next call);
        the folder is read only when that changed."""
        try:
            mtime = os.stat(folder).st_mtime_ns  # a file placed or removed changes it
        except OSError:
            return frozenset()
        known = self._recorded.get(language)
        # A folder changed within the last second may change again inside the
        # same timestamp tick (file times are coarse): read it afresh then.
        if known is None or known[0] != mtime or time.time_ns() - mtime < 1_000_000_000:
            try:
                names = frozenset(e.name for e in os.scandir(folder) if e.is_file())
            except OSError:
                return frozenset()
            known = (mtime, frozenset(stem for stem, dot, ext in
                                      (n.rpartition(".") for n in names)
                                      if dot and f".{ext}" in RECORDED_FORMATS))
            self._recorded[language] = known
        return known[1]

    def recorded(self, prompt_id: str, language: str) -> Path | None:
        folder = self._folders_of(language)[0]
        return Path(folder, prompt_id) if prompt_id in self._recorded_ids(folder, language) \
            else None

    def path(self, prompt_id: str, language: str) -> str:
        """Absolute path without extension, for STREAM FILE / GET DATA."""
        recorded, generated = self._folders_of(language)
        if prompt_id in self._recorded_ids(recorded, language):
            return f"{recorded}/{prompt_id}"
        return f"{generated}/{prompt_id}"

    def digit(self, digit: str, language: str) -> str:
        return self.path(f"digit_{digit}", language)

    def number(self, n: int, language: str) -> list[str]:
        """A number as prompts: one word up to 99, digit by digit above."""
        if n in NUMBERS:
            return [self.path(f"number_{n}", language)]
        return [self.digit(d, language) for d in str(max(0, n))]


@dataclass
class BuildReport:
    made: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)  # also recorded: the recording plays


def _jobs(config: Config) -> Iterator[tuple[str, str, str, str]]:
    """(prompt id, language, voice, text) for every enabled language."""
    for lang in config.languages:
        for pid, texts in sorted(config.prompts.items()):
            if lang.code in texts:
                yield pid, lang.code, lang.voice, texts[lang.code]
        for d in DIGITS:
            yield f"digit_{d}", lang.code, lang.voice, d
        for n in NUMBERS:
            yield f"number_{n}", lang.code, lang.voice, str(n)


def build(config: Config, out: Path, *, workers: int = 2) -> BuildReport:
    """Render every prompt text to ``out/generated`` (8 kHz mono 16-bit WAV)."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise PromptBuildError(f"{tool} is not installed (apt-get install espeak-ng sox)",
                                   tool=tool)
    lib = PromptLibrary(out)
    report = BuildReport()
    todo = []
    for pid, lang, voice, text in _jobs(config):
        name = f"{lang}/{pid}"
        if lib.recorded(pid, lang) is not None:
            report.recorded.append(name)
        target = lib.root / "generated" / lang / f"{pid}.wav"
        stamp = target.with_suffix(".txt")
        source = f"{voice}\n{text}\n"
        if target.exists() and stamp.exists() and stamp.read_text("utf-8") == source:
            report.unchanged.append(name)
            continue
        todo.append((name, voice, text, target, stamp, source))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for name in pool.map(lambda job: _render(*job), todo):
            report.made.append(name)
    return report


def _render(name: str, voice: str, text: str, target: Path, stamp: Path, source: str) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kontakt-prompt-") as tmp:
        raw = Path(tmp) / "raw.wav"
        _run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), "--", text], name)
        part = target.with_suffix(".part.wav")
        _run(["sox", "-q", str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
              str(part)], name)
        part.replace(target)
    stamp.write_text(source, "utf-8")
    return name


def _run(argv: list[str], name: str) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise PromptBuildError(f"prompt {name}: {argv[0]} failed: {e}", prompt=name) from None
    if done.returncode != 0:
        why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
        raise PromptBuildError(f"prompt {name}: {argv[0]} exited {done.returncode}: {why[0]}",
                               prompt=name)
