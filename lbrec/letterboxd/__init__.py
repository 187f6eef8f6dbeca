"""The Letterboxd layer: a member's films from any source, as one history, with no knowledge of the model.

One module per source, each a parser of outside input that succeeds or raises a documented `lbrec.errors` error:
- `export`: the data export ZIP (or its folder);
- `rss`: the RSS feed (the latest 50 diary entries);
- `typed`: titles typed by a person;
- `lists`: the list CSV that Letterboxd's importer reads;
- `imdb`: IMDb's Your Ratings and Watchlist CSV exports;
and beside them `history` (`FilmEntry`, `LetterboxdHistory`, the history choices), `fields` (the shared field
parsers), `sources` (one entry point for every source) and `client` (the only HTTP client that talks to Letterboxd).
"""
