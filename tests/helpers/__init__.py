"""What several tests and benchmarks share: the inputs' paths, the fault-injecting server, synthetic data sets,
headless chromium, the Voila load harness, the SIGKILL harness and the fuzz targets. No test imports another test
file; benchmarks import these as `tests.helpers.*` (run them as `python -m benchmarks.NAME` from the repository)."""
