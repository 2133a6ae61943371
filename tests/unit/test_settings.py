import pytest

from kontakt.settings import Settings, SettingsError


def test_settings_cast_and_name_the_key_on_error():
    s = Settings.load(environ={"KONTAKT_SEATS": "20", "KONTAKT_RING_TIMEOUT": "12.5"})
    assert (s.seats, s.ring_timeout) == (20, 12.5)
    with pytest.raises(SettingsError, match="KONTAKT_AMI_PORT"):
        Settings.load(environ={"KONTAKT_AMI_PORT": "x"})
    with pytest.raises(SettingsError, match="KONTAKT_SEATS"):
        Settings.load(environ={"KONTAKT_SEATS": "0"})


def test_fast_path_only_with_direct_routing():
    env = {"KONTAKT_FAST_PATH": "true", "KONTAKT_ROUTER": "direct"}
    assert Settings.load(environ=env).fast_path
    with pytest.raises(SettingsError, match=r"fast_path.*router = direct"):
        Settings.load(environ={"KONTAKT_FAST_PATH": "true"})


def test_settings_file_unknown_key_is_refused(tmp_path):
    f = tmp_path / "k.toml"
    f.write_text('[kontakt]\nseats = 5\nsaets = 6\n')
    with pytest.raises(SettingsError, match="saets"):
        Settings.load(f, environ={})
