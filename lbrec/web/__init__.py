"""The one HTTP layer under lbrec's two clients (`lbrec.letterboxd.client`: a member's RSS feed; `lbrec.tmdb.client`:
posters, details, where to watch). It knows nothing of Letterboxd or TMDb; each client says what it sends, what it
retries, what it caches and for how long. (`web`, not `http`: never mistaken for the standard library's `http`.)

- `fetch`: `Fetcher`, one `requests.Session`, a timeout on every request, the tries a `RetryPolicy` allows (Retry-After
  in seconds or as an HTTP date, bounded by the policy's `max_wait`), redirects only where the caller lets them go,
  the requests sent counted, failures as `WebError`s in words; `get_json`, the bounded GET of one JSON object.
- `gate`: `Gate`, at most N requests in flight and no request before a wait a server asked has passed; `shared_gate`,
  one per host for every process of this user on the machine; `in_background`, requests that give way to the others
  (what the page asks ahead); `in_parallel`, calls on worker threads that keep their caller's context.
- `cache`: `DiskCache`, entries written atomically, each read only while younger than the lifetime its reader gives,
  a damaged one only a miss, killed writers' leftovers swept; `remembered` is its read-through for JSON values, with
  the latest of them in memory too where the client asks (`memory`).

Why lbrec's own code and not the usual libraries, decided knowingly:
- urllib3's `Retry`, mounted on the session, decides on the status alone and sleeps inside the connection pool. Here
  an answer's body must be seen before any retry (a Cloudflare challenge served as a 503, or Letterboxd's "You are
  being rate limited" page, stops at once: retrying would be circumvention), a wait must be posted to the gate before
  the request's slot is free (so that no other thread or process starts meanwhile), a Retry-After over the bound must
  end the tries at once (urllib3's `retry_after_max` waits the bound out instead: the person would wait minutes for
  the same failure), and every request sent must be counted. So the loop (`Fetcher.get`, some 30 lines) is ours,
  while `Retry.parse_retry_after` reads the header in both of its forms.
- requests-cache caches responses; lbrec caches what it made of them. One TMDb answer gives a film's details, kept 30
  days, and its watch providers, kept a day, in a compact text form; a feed is kept with the sha256 of its text.
  Its default SQLite backend pickles responses (lbrec never unpickles), and its filesystem backend, which can write
  JSON, writes each file in place (a kernel killed mid-write leaves half an entry another kernel may read) and keeps
  redirects in a SQLite file beside them. `DiskCache` is some 90 lines over `lbrec.artifacts`' atomic writers.
"""

from lbrec.web.cache import DiskCache, entry_name
from lbrec.web.fetch import (
    LIBRARY,
    NOT_FOUND,
    Fetcher,
    Incomplete,
    Response,
    RetryPolicy,
    TimedOut,
    TooManyRedirects,
    Unreachable,
    WebError,
    retry_after,
)
from lbrec.web.gate import Gate, in_background, in_parallel, shared_gate

__all__ = [
    "LIBRARY",
    "NOT_FOUND",
    "DiskCache",
    "Fetcher",
    "Gate",
    "Incomplete",
    "Response",
    "RetryPolicy",
    "TimedOut",
    "TooManyRedirects",
    "Unreachable",
    "WebError",
    "entry_name",
    "in_background",
    "in_parallel",
    "retry_after",
    "shared_gate",
]
