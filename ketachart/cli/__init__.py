"""The command line: init, demo, verify, sessions. No Qt here."""
