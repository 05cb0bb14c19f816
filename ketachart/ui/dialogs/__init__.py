"""One dialog per kind of timeline entry. Each returns what it saved (`result_value`)."""
