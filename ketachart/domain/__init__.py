"""Charting rules, dose math and scores: pure Python, no database and no Qt."""
