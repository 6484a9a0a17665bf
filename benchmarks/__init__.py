"""Benchmarks of atmp-kg: a deterministic generator of synthetic inputs in the real source
formats (`benchmarks.generate`) and the harness that measures build, queries, API, memory and the
remote-store path (`benchmarks.run`), writing docs/benchmarks.md."""
