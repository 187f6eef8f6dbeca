"""The recorded experiments: one-off studies that chose or rejected something (the order an export is read in, the
stars as weights, lbrec's training beside RecBole's), kept runnable as `python -m benchmarks.experiments.NAME` so
that their records can be checked. Each script's docstring says what it found and where it is recorded; the
benchmarks anyone reruns are one level up (benchmarks/README.md)."""
