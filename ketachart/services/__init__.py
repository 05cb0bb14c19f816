"""One function per user action. Each takes the transaction and the acting user, checks
permission, validates, appends events and the audit entry. The caller commits."""
