"""The benchmarks anyone reruns, `python -m benchmarks.NAME` from a checkout (benchmarks/README.md lists them), the
recorded experiments (`benchmarks.experiments`), the members' library they share (`benchmarks.members`) and the
helpers several scripts share (`benchmarks.common`). Never imported by lbrec."""
