"""Keys kept outside the database's reach: Ed25519 key pairs for the clinic and each user,
private keys sealed under a key derived from a passphrase or password, certificates and
signatures. Only the `cryptography` and `argon2-cffi` libraries do cryptography here; this
package composes them. No database, no Qt."""
