"""The parts of bench/search_bench.py: the corpus and its queries (corpus), the timed calls
and FTS5 (backends), building and measuring one size (measure), and the printed report
(report)."""
