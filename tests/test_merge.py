"""Three-way merge of two edits made from the same revision."""

import pytest

from wiki.processes.merge import merge_texts

BASE = "one\ntwo\nthree\nfour\nfive\n"


@pytest.mark.parametrize(
    "theirs, mine, merged",
    [
        (
            "ONE\ntwo\nthree\nfour\nfive\n",
            "one\ntwo\nthree\nfour\nFIVE\n",
            "ONE\ntwo\nthree\nfour\nFIVE\n",
        ),
        (
            "one\ntwo\nthree\nfour\nfive\nsix\n",
            "zero\none\ntwo\nthree\nfour\nfive\n",
            "zero\none\ntwo\nthree\nfour\nfive\nsix\n",
        ),
        (
            "one\nthree\nfour\nfive\n",
            "one\ntwo\nthree\nfour\nfive\nsix\n",
            "one\nthree\nfour\nfive\nsix\n",
        ),
        # The same change made by both counts once.
        (
            "one\nTWO\nthree\nfour\nfive\n",
            "one\nTWO\nthree\nfour\nFIVE\n",
            "one\nTWO\nthree\nfour\nFIVE\n",
        ),
        (BASE, "one\ntwo\n", "one\ntwo\n"),
    ],
)
def test_changes_to_different_lines_merge(theirs, mine, merged):
    assert merge_texts(BASE, theirs, mine) == merged


@pytest.mark.parametrize(
    "theirs, mine",
    [
        ("one\nTWO\nthree\nfour\nfive\n", "one\nDeux\nthree\nfour\nfive\n"),
        ("one\ntwo\nnew\nthree\nfour\nfive\n", "one\ntwo\nother\nthree\nfour\nfive\n"),
        ("one\nfive\n", "one\ntwo\nTHREE\nfour\nfive\n"),
    ],
)
def test_changes_to_the_same_lines_do_not_merge(theirs, mine):
    assert merge_texts(BASE, theirs, mine) is None


def test_repetitive_texts_merge_quickly():
    import time

    base = "a\n" * 1500
    started = time.process_time()
    merge_texts(base, "a\n" * 1499 + "b\n", "a\nc\n" * 750)
    merge_texts(base * 10, base * 10 + "end\n", "start\n" + base * 10)
    # Half a minute before; a generous bound that only a quadratic-or-worse matcher exceeds.
    assert time.process_time() - started < 5
