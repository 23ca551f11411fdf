import pytest

from qbook.common.profile import get_profile, profile_name, profile_table


def test_profiles_have_the_same_keys():
    table = profile_table()
    assert set(table) == {"small", "full"}
    assert table["small"].keys() == table["full"].keys()
    for section in table["small"]:
        assert table["small"][section].keys() == table["full"][section].keys(), section


def test_env_switch(monkeypatch):
    monkeypatch.setenv("QBOOK_PROFILE", "full")
    assert profile_name() == "full"
    assert get_profile().cnn.epochs == 100
    monkeypatch.setenv("QBOOK_PROFILE", "small")
    assert get_profile().name == "small"
    monkeypatch.delenv("QBOOK_PROFILE")
    assert profile_name() == "small"


def test_bad_profile_names_the_problem(monkeypatch):
    monkeypatch.setenv("QBOOK_PROFILE", "huge")
    with pytest.raises(ValueError, match="QBOOK_PROFILE='huge'"):
        profile_name()
    with pytest.raises(ValueError, match="unknown profile"):
        get_profile("medium")


def test_small_is_smaller_than_full():
    small, full = get_profile("small"), get_profile("full")
    assert small.cnn.epochs < full.cnn.epochs
    assert len(small.qcnn.seeds) <= len(full.qcnn.seeds)
