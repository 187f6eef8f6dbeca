"""Where to watch on a card as HTML: the groups in order, logos with their names, the link to TMDb's watch page,
the JustWatch attribution, and every piece of TMDb's text escaped (the widget renders HTML unsanitised)."""

from __future__ import annotations

from lbrec.app.where_to_watch import attribution_html, watch_html
from lbrec.tmdb.watch import JUSTWATCH_URL, Provider, Watch

NETFLIX = Provider(8, "Netflix", "https://image.tmdb.org/t/p/w92/n.jpg")
APPLE = Provider(2, "Apple TV", "")
LINK = "https://www.themoviedb.org/movie/949/watch?locale=GB"


def test_the_groups_come_in_order_with_logos_named() -> None:
    snippet = watch_html(Watch("GB", (NETFLIX,), (), (Provider(73, "Tubi TV", ""),), (APPLE,), (APPLE,), LINK))
    kinds = [snippet.index(f'lbrec-watch-kind">{kind}<') for kind in ("Stream", "Ads", "Rent", "Buy")]
    assert kinds == sorted(kinds) and "Free" not in snippet
    assert (
        '<img class="lbrec-provider" src="https://image.tmdb.org/t/p/w92/n.jpg" alt="Netflix" title="Netflix" '
        'width="28" height="28" loading="lazy">'
    ) in snippet
    assert '<span class="lbrec-provider lbrec-provider-name" title="Apple TV">Apple TV</span>' in snippet
    assert f'href="{LINK}" target="_blank" rel="noopener noreferrer">Where to watch on TMDb</a>' in snippet
    assert 'title="In United Kingdom"' in snippet


def test_everything_from_tmdb_is_escaped() -> None:
    hostile = Provider(1, '"><script>alert(1)</script>', 'https://image.tmdb.org/t/p/w92/x.jpg" onerror="alert(1)')
    snippet = watch_html(Watch("GB", (hostile,), (hostile,), (), (), (), 'https://x/"><b>'))
    assert "<script>" not in snippet and "&quot;&gt;&lt;script&gt;" in snippet
    assert 'onerror="' not in snippet and "<b>" not in snippet


def test_a_film_offered_nowhere_says_so_and_no_answer_says_nothing() -> None:
    snippet = watch_html(Watch("FR", (), (), (), (), (), LINK))
    assert "Not offered in France." in snippet and "Where to watch on TMDb" in snippet
    assert watch_html(None) == ""


def test_justwatch_is_credited_with_a_link() -> None:
    line = attribution_html()
    assert line == (
        '<p class="lbrec-hint lbrec-watch-attribution">Where to watch: data from '
        f'<a href="{JUSTWATCH_URL}" target="_blank" rel="noopener noreferrer">JustWatch</a>, '
        "through TMDb.</p>"
    )
