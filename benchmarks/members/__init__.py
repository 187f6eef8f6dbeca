"""Real Letterboxd members as a test set, beside the package: what the members' benchmark
(`python -m benchmarks.bench_members`), its experiments and their tests share. Never imported by lbrec: a user's
machine has neither the members' data nor any need of it.

- `data`: the members' data (`members_dir`, `load_members`), each member's films split into hidden ones and an
  export of the rest (`hide`, `Split`), read as the product reads it, and the per-member metrics;
- `models`: the models measured on them, each member as a test case (`Case`, `Setting`, `measure`), and the record
  of what is served written into the model folder (`write_record`, for the app's footer);
- `tuning`: choosing how to serve a history without order (windows, blend weight) on half of the members;
- `not_for_me`: how far a "not for me" click pushes its look-alikes down, chosen on half of the members;
- `newer`, `newer_ranks`, `newer_speed`: films newer than the model (`python -m benchmarks.bench_newer`): the
  members' films as a loopback TMDb knows them and how much of what they love is read with a key; their hidden
  newer loved films ranked offline and live; one export's answer timed against a loopback TMDb with a latency.
"""
