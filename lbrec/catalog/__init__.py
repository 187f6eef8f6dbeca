"""The catalog layer: MovieLens films found from what a person or a site says of them.

- `titles`: the comparison form of a title (`normalize`) and typed queries (`parse_query`, `FilmQuery`);
- `table`: the catalog's columns as plain arrays (`Catalog`), read from a `catalog.parquet` with pyarrow alone;
- `index`: the matching index over a catalog (`MatchIndex`), ids first, then title and year;
- `matches`: what a match says (`Match`, `Candidate`) and a history matched whole (`match_films`,
  `MatchedHistory`).
It knows no source of films: Letterboxd, typed titles or any other hand it objects with a title, a year and ids.
"""
