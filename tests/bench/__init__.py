"""Benchmarks (`make bench`): each module's `run()` measures one issue's targets against its peer."""
