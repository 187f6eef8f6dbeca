"""TMDb, with the person's own API key: `client` (the HTTP client and its cache: details, posters and watch
providers), `watch` (where to watch in one country, and the services a country has), `countries` (ISO 3166-1
codes and names), `streaming` (the filter: films one of the chosen services streams), `environment` (the client
the process's `TMDB_API_KEY` gives, shared by the command line and the app); TMDb as a second catalog: `records`
(what TMDb says of a film, read defensively), `films` (the calls: search, find, details, recommendations, similar,
discover, and many at once), `match` (a person's film found on TMDb with the MovieLens matcher's care).

The client's names are re-exported here: `from lbrec.tmdb import TmdbClient` is how the app imports it.
"""

from lbrec.tmdb.client import ATTRIBUTION, KEY_REFUSED, TMDB_API, TMDB_IMAGES, FilmDetails, TmdbClient  # noqa: F401
