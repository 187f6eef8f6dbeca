"""What the tests, the benchmarks and `make notebooks` share, used from a checkout (never installed, never imported
by lbrec, and never importing the tests or the benchmarks):

- `files`: the repository, ../shared and the hand-made fixtures;
- `fault_server`, `tmdb_server`: real loopback HTTP servers, one injecting faults, one standing in for TMDb;
- `browser`, `load`: Debian's headless chromium and its settings, and the app as a Voilà process under visitors;
- `kill`: the SIGKILL sweeps of every writer (`python -m harness.kill serve` is its writer process);
- `fuzz` and its targets (`fuzz_targets`, `fuzz_imdb`, `fuzz_marks`, `fuzz_questions`, `fuzz_watch`);
- `notebooks`: the tutorial notebooks run in place and stamped (`make notebooks`: `python -m harness.notebooks`).
"""
