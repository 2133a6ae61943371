"""Prompt audio with the real espeak-ng and sox; recordings take precedence."""

import shutil
import wave

import pytest

from ivr.prompts import PromptLibrary, build
from kontakt.cli import main

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are installed by asterisk/install.sh")


def test_build_renders_every_prompt_in_every_language(tmp_path, config):
    report = build(config, tmp_path)
    # every text in every language, the digits 0-9 and the numbers 1-99
    expected = sum(len(config.languages) for _ in config.prompts) + 109 * len(config.languages)
    assert len(report.made) == expected and report.unchanged == []
    for lang in ("sr", "hu", "sk"):
        with wave.open(str(tmp_path / "generated" / lang / "main_menu.wav")) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
            assert w.getnframes() > 8000  # more than a second of speech
    again = build(config, tmp_path)
    assert again.made == [] and len(again.unchanged) == expected


def test_recorded_files_take_precedence(tmp_path, config):
    build(config, tmp_path)
    lib = PromptLibrary(tmp_path)
    assert lib.path("welcome", "sr") == str((tmp_path / "generated/sr/welcome").resolve())
    rec = tmp_path / "recorded" / "sr"
    rec.mkdir(parents=True)
    shutil.copy(tmp_path / "generated/sr/goodbye.wav", rec / "welcome.wav")
    assert lib.path("welcome", "sr") == str((rec / "welcome").resolve())
    assert lib.path("welcome", "hu").endswith("generated/hu/welcome")
    assert build(config, tmp_path).recorded == ["sr/welcome"]
    assert lib.digit("7", "hu").endswith("generated/hu/digit_7")


def test_command(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KONTAKT_CONFIG", raising=False)
    assert main(["prompts", "build", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{tmp_path.resolve()}: made ") and "unchanged 0" in out
