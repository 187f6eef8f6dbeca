"""TMDb's details on a card, without a server: the poster beside the text, the runtime in words, and every piece
of TMDb's text escaped (the results widget renders its HTML unsanitised)."""

from __future__ import annotations

from dataclasses import replace

from lbrec.app import screen
from lbrec.app.questions import recommend
from lbrec.ask.answers import Answer
from lbrec.serving.results import Recommendation
from lbrec.tmdb import ATTRIBUTION, FilmDetails

HEAT = Recommendation(6, "Heat", 1995, ("Crime",), 949, 113277, 0.5, [])
DETAILS = FilmDetails(949, "Heat", '<script>alert(1)</script> "quoted"', 170, 'data:image/png;base64,"x')


def test_tmdbs_text_and_poster_are_escaped_on_the_card() -> None:
    card = recommend.recommendation_card(1, HEAT, DETAILS)
    assert "<script>" not in card and "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot;" in card
    assert '<img class="lbrec-poster" src="data:image/png;base64,&quot;x" alt="Poster of Heat">' in card


def test_the_runtime_reads_in_hours_and_minutes() -> None:
    assert "2 h 50 min" in recommend.recommendation_card(1, HEAT, DETAILS)
    short = recommend.recommendation_card(1, HEAT, replace(DETAILS, runtime=45))
    assert "45 min" in short and "0 h" not in short
    assert "lbrec-runtime" not in recommend.recommendation_card(1, HEAT, replace(DETAILS, runtime=None))


def test_a_card_without_a_poster_is_the_text_card() -> None:
    text_card = recommend.recommendation_card(1, HEAT)
    assert recommend.answer_html(Answer("recommend", [HEAT]), {}) == f'<div class="lbrec-grid">{text_card}</div>'
    no_poster = recommend.recommendation_card(1, HEAT, replace(DETAILS, poster=""))
    assert no_poster.startswith('<div class="lbrec-card" ') and "lbrec-poster" not in no_poster
    assert "lbrec-about" in no_poster  # the synopsis still comes


def test_tmdbs_attribution_is_their_wording_and_the_posters_line_is_one_hint_or_nothing() -> None:
    assert ATTRIBUTION == "This product uses the TMDB API but is not endorsed or certified by TMDB."
    assert screen.posters_note("") == ""
    hint = screen.posters_note(screen.POSTERS_HINT)  # a visitor's words: what a key adds, not how to set one
    assert "poster" in hint and "where it streams" in hint and "TMDB_API_KEY" not in hint and "start" not in hint
