"""A feed's name where the configuration gives none and it never answered with a title."""

from __future__ import annotations

from aggregator.feeds import URL_LABEL_MAX, display_name


def test_the_configured_name_then_the_title_win() -> None:
    assert display_name("https://a.example/rss", "Mine", "Theirs") == "Mine"
    assert display_name("https://a.example/rss", None, "Theirs") == "Theirs"


def test_feeds_of_one_site_are_told_apart_by_their_path() -> None:
    a = display_name("https://www.example.org/news/rss.xml")
    b = display_name("https://www.example.org/sport/rss.xml")
    assert (a, b) == ("example.org/news/rss.xml", "example.org/sport/rss.xml")
    assert display_name("http://127.0.0.1:8765/") == "127.0.0.1"


def test_a_long_path_is_cut_and_a_bad_url_is_shown_as_given() -> None:
    long = display_name("https://example.org/" + "x" * 200)
    assert len(long) == URL_LABEL_MAX and long.endswith("…")
    assert display_name("not a url") == "not a url"
