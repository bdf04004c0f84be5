"""Entity linking of actor names (bot.memory.names)."""

from bot.memory.names import matches, name_key, same_actor


def test_bare_title_is_empty() -> None:
    assert name_key("الوزير") == ""


def test_haftars_stay_two() -> None:
    assert not same_actor("خليفة حفتر", "صدام حفتر")
    assert matches("حفتر", "خليفة حفتر")
    assert not matches("صدام حفتر", "خليفة حفتر")
