"""The acting user, as services see them: a plain frozen row."""

from __future__ import annotations

from dataclasses import dataclass

from ketachart.domain.access import Action, require
from ketachart.domain.labels import person_label
from ketachart.domain.vocab import Role


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    display_name: str
    credentials: str
    role: Role

    @property
    def signature_name(self) -> str:
        """Printed name with credentials, e.g. 'Ana Núñez, RN'."""
        return person_label(self.display_name, self.credentials)

    def require(self, action: Action) -> None:
        require(self.role, action)
