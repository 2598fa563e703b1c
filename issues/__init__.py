"""The issue ledger (台账): lifecycle, permissions, SLA, duplicates, ratings, statistics."""
