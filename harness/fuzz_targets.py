"""Every fuzzing target, by name: the parsers of `harness.fuzz`, `harness.fuzz_questions`, `harness.fuzz_imdb`,
`harness.fuzz_watch`, `harness.fuzz_tmdb` and `harness.fuzz_marks`, and how one is run (tests/unit/test_fuzz.py a
few hundred cases each, benchmarks/bench_fuzz.py 10,000)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import fuzz, fuzz_imdb, fuzz_marks, fuzz_questions, fuzz_tmdb, fuzz_watch


@dataclass(frozen=True)
class Target:
    """One parser under fuzzing: how to make its inputs, and what it must do with each."""

    strategy: st.SearchStrategy
    check: Callable[[object], None]


TARGETS: dict[str, Target] = {
    "rss": Target(fuzz.mutated_markup(fuzz.rss_seeds()), fuzz.check_rss),
    "export_csv": Target(fuzz.export_with_hostile_csv(), fuzz.check_export),
    "export_zip": Target(fuzz.hostile_zip(), fuzz.check_zip),
    "typed": Target(fuzz.typed_text(), fuzz.check_typed),
    "username": Target(fuzz.username_text(), fuzz.check_username),
    "matcher": Target(st.tuples(fuzz.typed_text().map(lambda t: t[:400]), fuzz.film_queries()), fuzz.check_match),
    "list_csv": Target(fuzz_questions.list_csv(), fuzz_questions.check_list),
    "film_query": Target(fuzz_questions.film_query_text(), fuzz_questions.check_film_query),
    "member": Target(fuzz_questions.member_spec(), fuzz_questions.check_member),
    "imdb": Target(fuzz_imdb.imdb_files(), fuzz_imdb.check_imdb),
    "upload": Target(fuzz_imdb.uploads(), fuzz_imdb.check_upload),
    "country": Target(fuzz_watch.country_text(), fuzz_watch.check_country),
    "service": Target(fuzz_watch.service_names(), fuzz_watch.check_services),
    "watch_providers": Target(fuzz_watch.provider_answers(), fuzz_watch.check_provider_answer),
    "tmdb_films": Target(fuzz_tmdb.list_answers(), fuzz_tmdb.check_list_answer),
    "tmdb_details": Target(fuzz_tmdb.details_answers(), fuzz_tmdb.check_details_answer),
    "tmdb_match": Target(fuzz_tmdb.matches(), fuzz_tmdb.check_match),
    "marks": Target(fuzz_marks.marked_input(), fuzz_marks.check_marks),
    "page_memory": Target(fuzz_marks.page_message(), fuzz_marks.check_page_message),
}


def run_target(name: str, cases: int, on_case: Callable[[], None] = lambda: None, derandomize: bool = True) -> None:
    """Run one target for `cases` generated inputs (Hypothesis stops early only if it runs out of distinct ones).
    The suite runs the same cases every time (derandomize); the benchmark draws new ones."""
    target = TARGETS[name]

    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        derandomize=derandomize,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def run(case: object) -> None:
        on_case()
        target.check(case)

    run()
