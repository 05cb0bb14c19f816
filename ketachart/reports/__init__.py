"""Printable reports (PDF) built from the same derived session view the screens show. No Qt."""
