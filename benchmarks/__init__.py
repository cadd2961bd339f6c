"""Program benchmarks: `python -m benchmarks.program`."""
