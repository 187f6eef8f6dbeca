"""The where-to-watch filter: of the candidate films, best first, keep those one of the chosen services streams in a
country (by subscription, free or with ads), asking TMDb for the best candidates first until `k` are kept.

The questions layer calls `keep_streaming` with its candidates' TMDb ids in its own order and shows the films kept;
`Streaming.note` is the line to show when fewer than `k` passed. Requests go `max_in_flight` at a time (the client's
bound), a few ahead of the film being judged so that the slots stay busy; the providers TMDb sends are cached, so
asking again about the same films costs no request for a day.
"""

from __future__ import annotations

import contextvars
from collections import deque
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice

from lbrec.errors import WhereToWatchError
from lbrec.tmdb.client import TmdbClient
from lbrec.tmdb.countries import country_name
from lbrec.tmdb.watch import Watch, resolve_services

LOOK_AT = 300  # candidates looked at, at most: about 75 requests' time at 4 in flight when none is cached


@dataclass(frozen=True)
class Streaming:
    """What the filter kept: (position among the candidates, where to watch it) best first; how many candidates it
    looked at, and how many of those TMDb did not answer for (skipped)."""

    kept: list[tuple[int, Watch]]
    looked_at: int
    unanswered: int

    def note(self, k: int, services: Collection[str], country: str) -> str:
        """One line when fewer than `k` films passed ("" when the list is full)."""
        if len(self.kept) >= k:
            return ""
        on, where = _listed(sorted(services)), f"{country} ({country_name(country)})"
        among = "the best candidate" if self.looked_at == 1 else f"the {self.looked_at:,} best candidates"
        found = (
            f"No film among {among} streams on {on} in {where}"
            if not self.kept
            else f"Only {len(self.kept):,} of {among} stream on {on} in {where}"
        )
        skipped = f" (TMDb did not answer for {self.unanswered:,} of them)" if self.unanswered else ""
        return f"{found}{skipped}."


def keep_streaming(
    client: TmdbClient,
    tmdb_ids: Iterable[int | None],
    services: Collection[str],
    country: str,
    k: int,
    limit: int = LOOK_AT,
    progress: Callable[[int, int], None] | None = None,
) -> Streaming:
    """The first `k` candidates (TMDb ids, best first; None for a film without one, which never passes) that one of
    `services` streams in `country`, looking at `limit` candidates at most. A refused key raises `TmdbKeyError`.

    With a cold cache and few films passing this takes seconds (`limit` / 4 requests' time at worst): `progress`
    is called with (films looked at, films kept) after each film, for a progress bar."""
    kept: list[tuple[int, Watch]] = []
    looked_at = unanswered = 0
    if k <= 0:
        return Streaming(kept, looked_at, unanswered)
    pending: deque[tuple[int, Watch | Future | None]] = deque()
    ahead = 2 * client.max_in_flight  # asked for while the best one waits: the client lets 4 go at once
    pool = ThreadPoolExecutor(max_workers=client.max_in_flight, thread_name_prefix="lbrec-watch")
    try:
        for position, tmdb_id in enumerate(islice(tmdb_ids, limit)):
            pending.append((position, _ask(client, pool, tmdb_id, country)))
            while pending and (len(pending) > ahead or not isinstance(pending[0][1], Future) or pending[0][1].done()):
                looked_at, unanswered = _judge(pending.popleft(), services, kept, looked_at, unanswered, progress)
                if len(kept) >= k:
                    return Streaming(kept, looked_at, unanswered)
        while pending and len(kept) < k:
            looked_at, unanswered = _judge(pending.popleft(), services, kept, looked_at, unanswered, progress)
        return Streaming(kept, looked_at, unanswered)
    finally:  # once k are kept (or on a refused key), what was not sent never is; what was in flight lands in the
        pool.shutdown(wait=False, cancel_futures=True)  # cache without the answer waiting for it


def services_in(client: TmdbClient, names: Iterable[str], country: str) -> frozenset[str]:
    """`--service` names checked against the services TMDb lists for `country`, as TMDb spells them."""
    offered = client.providers_offered(country)
    if offered is None:
        raise WhereToWatchError(f"TMDb did not answer with the services of {country}: try again in a minute")
    return resolve_services(names, offered, country)


def _ask(client: TmdbClient, pool: ThreadPoolExecutor, tmdb_id: int | None, country: str) -> Watch | Future | None:
    """The film's options at once when cached (or when it has no TMDb id: None), else a request under way."""
    if tmdb_id is None:
        return None
    cached = client.cached_watch(tmdb_id, country)
    return cached if cached is not None else pool.submit(contextvars.copy_context().run, client.watch, tmdb_id, country)


def _judge(
    asked: tuple[int, Watch | Future | None],
    services: Collection[str],
    kept: list[tuple[int, Watch]],
    looked_at: int,
    unanswered: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[int, int]:
    """Keep the film if it passes; the counts after it."""
    position, answer = asked
    if isinstance(answer, Future):
        answer = answer.result()  # a refused key raises here
        unanswered += answer is None
    if answer is not None and answer.streams_on(services):
        kept.append((position, answer))
    if progress is not None:
        progress(looked_at + 1, len(kept))
    return looked_at + 1, unanswered


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"
