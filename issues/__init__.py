"""The issue ledger (taizhang): lifecycle, permissions, SLA, duplicates, ratings, statistics."""
