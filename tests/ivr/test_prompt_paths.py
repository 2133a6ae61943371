"""Prompt paths as STREAM FILE takes them, without the audio tools: the
recording an administrator places or removes is heard on the next prompt."""

from ivr.prompts import PromptLibrary


def test_a_recording_placed_or_removed_is_heard_on_the_next_prompt(tmp_path):
    lib = PromptLibrary(tmp_path)
    root = tmp_path.resolve()
    assert lib.path("welcome", "sr") == str(root / "generated" / "sr" / "welcome")
    assert lib.recorded("welcome", "sr") is None
    folder = tmp_path / "recorded" / "sr"
    folder.mkdir(parents=True)
    (folder / "welcome.wav").write_bytes(b"")
    assert lib.path("welcome", "sr") == str(root / "recorded" / "sr" / "welcome")
    assert lib.recorded("welcome", "sr") == root / "recorded" / "sr" / "welcome"
    (folder / "notes.txt").write_bytes(b"")  # not audio: no prompt
    assert lib.path("notes", "sr") == str(root / "generated" / "sr" / "notes")
    (folder / "welcome.wav").unlink()
    assert lib.path("welcome", "sr") == str(root / "generated" / "sr" / "welcome")
    assert lib.number(7, "hu") == [str(root / "generated" / "hu" / "number_7")]
