import itertools

from apps.people.demo import FIXED, demo_names


def test_demo_names_are_distinct_and_repeatable_far_beyond_the_first_and_last_name_pairs():
    names = list(itertools.islice(demo_names(42), 50_000))  # past 26 tiers of middle initials
    assert len(set(names)) == len(names)
    assert not {name for name, _ in FIXED} & set(names)
    assert names[:2000] == list(itertools.islice(demo_names(42), 2000))
    assert names[:2000] != list(itertools.islice(demo_names(43), 2000))
    assert any(" AA. " in name for name in names)
