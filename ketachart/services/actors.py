"""The acting user, as services see them: a plain frozen row."""

from __future__ import annotations

from dataclasses import dataclass, field

from ketachart.domain.access import Action, require
from ketachart.domain.labels import person_label
from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed
from ketachart.keys.signer import Signer


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    display_name: str
    credentials: str
    role: Role
    signer: Signer | None = field(default=None, compare=False, repr=False)
    """Their private key, opened by the password they signed in with (None: not opened,
    e.g. an account made before keys were kept, or an actor read back from a row)."""

    @property
    def signature_name(self) -> str:
        """Printed name with credentials, e.g. 'Ana Núñez, RN'."""
        return person_label(self.display_name, self.credentials)

    def require(self, action: Action) -> None:
        require(self.role, action)

    def signing_key(self) -> Signer:
        """Their opened key, or a refusal that says how to get one."""
        if self.signer is None or self.signer.user_id != self.id:
            raise AuthenticationFailed(
                "Your signing key is not open. Sign out and sign in again; if this persists, "
                "an administrator resets your password, which gives you a new key."
            )
        return self.signer
