"""The exceptions lbrec raises on bad input: each carries a one-line message meant for a person, not a traceback.

These are the only exceptions the parsers of outside input raise (tests/unit/test_fuzz.py feeds them hostile input to
hold them to it): an export -> `ExportError`, an IMDb CSV -> `IMDbError`, an RSS feed -> `MarkupError`, typed
titles -> `LetterboxdError`, a username -> `InvalidUsernameError`; fetching adds
`UserNotFoundError`, `BlockedError`, `RateLimitedError` and `NetworkError`. A damaged model,
data set or checkpoint gives `ArtifactError` naming the file and the fix. The app shows every `LbrecError` as it is.
"""


class LbrecError(Exception):
    """Base class: anything lbrec refuses to do, with a one-line reason and, where there is one, the fix."""


class DataError(LbrecError):
    """A data set is missing, unreadable, corrupt, or not in the expected format."""


class ChecksumError(DataError):
    """A downloaded file does not match its published checksum; it was discarded."""


class ArtifactError(LbrecError):
    """A saved artifact (processed data set, model, checkpoint) is missing, truncated or inconsistent."""


class LetterboxdError(LbrecError):
    """Letterboxd input could not be read: the message says why and what to use instead."""


class InvalidUsernameError(LetterboxdError):
    """The text given as a username cannot be a Letterboxd username; nothing was requested."""


class UserNotFoundError(LetterboxdError):
    """Letterboxd has no member with this username (HTTP 404)."""


class BlockedError(LetterboxdError):
    """Letterboxd refused the request (HTTP 403), or its bot protection or an upgrade demand (HTTP 426) stopped it:
    use the export."""


class RateLimitedError(BlockedError):
    """Letterboxd asked us to slow down and kept refusing after the waits it asked for."""


class NetworkError(LetterboxdError):
    """Letterboxd could not be reached, did not answer in time, sent an incomplete feed or kept failing (HTTP 5xx)."""


class MarkupError(LetterboxdError):
    """A Letterboxd feed did not look as expected: never read as an empty history."""


class ExportError(LetterboxdError):
    """A Letterboxd data export (ZIP or CSV) is malformed, too large or unsafe."""


class IMDbError(LetterboxdError):
    """An IMDb export CSV (Your Ratings or Watchlist) is malformed, too large, or another site's file."""


class EmptyHistoryError(LetterboxdError):
    """The source was read correctly but holds no films to recommend from."""


class ListError(LetterboxdError):
    """A list of candidate films (a Letterboxd list CSV) cannot be read."""


class FilmQueryError(LetterboxdError):
    """A film asked about (a title, a Letterboxd film link, a TMDb or IMDb id) cannot be read as one."""


class TmdbKeyError(LbrecError):
    """TMDb refused the person's API key (HTTP 401): no more requests are sent to it."""
