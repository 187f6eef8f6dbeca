"""What only the tests share: synthetic data sets and members, the app's widgets driven in the kernel, the posters'
app, `python -m lbrec` in a process, and the test inputs (`files`). What the tests share with the benchmarks and
`make notebooks` is the top-level `harness` package. No test imports another test file."""
