"""Bad input: hypothesis over every validator and over the session lifecycle.

Every validator gets wild values of the right type (NaN, infinities, huge numbers, unicode,
control characters, surrogates, empty text) and near-valid ones; each may pass or raise
ValidationError naming its fields, never anything else. The session lifecycle runs as a
state machine with its invariants (signed content never changes, delivered dose never
negative nor above what the rate segments allow, derivation never fails).
Strategies are the unit tests' own (tests/unit), so the two cannot drift apart.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from ketachart.domain.events import PAYLOAD_TYPES, validate_payload
from ketachart.domain.protocol import ProtocolSpec
from ketachart.errors import ValidationError
from ketachart.services.patients import PatientDetails
from prove import Figure
from tests.unit import test_session_machine as machine
from tests.unit import test_validation_properties as props


@dataclass
class Tally:
    examples: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, what: str, validate: Callable[[], None]) -> None:
        """Run one example: it passes or raises ValidationError with named problems."""
        self.examples += 1
        try:
            validate()
        except ValidationError as error:
            if not error.problems or not all(p.field and p.message for p in error.problems):
                self.failures.append(f"{what}: ValidationError without field messages")
        except Exception as error:  # any other exception is the failure counted
            self.failures.append(f"{what}: {type(error).__name__}: {error}"[:200])


def _run(
    tally: Tally,
    what: str,
    strategy: st.SearchStrategy[Any],
    validate: Callable[[Any], None],
    examples: int,
) -> None:
    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(value=strategy)
    def prop(value: Any) -> None:
        tally.check(what, lambda: validate(value))

    prop()


def _spec(spec: ProtocolSpec) -> None:
    props.validate_spec(spec)


def _patient(details: PatientDetails) -> None:
    details.check(date(2026, 3, 10))


def _validators(tally: Tally, examples: int) -> None:
    for kind, cls in PAYLOAD_TYPES.items():
        _run(tally, kind.value, props.wild_dataclass(cls), validate_payload, examples)
        _run(
            tally, f"{kind.value} (near valid)", props.near_valid(kind), validate_payload, examples
        )
    _run(tally, "protocol", props.wild_dataclass(ProtocolSpec), _spec, examples)
    patients = st.builds(
        PatientDetails,
        mrn=props.WILD_TEXT,
        family_name=props.WILD_TEXT,
        given_name=props.WILD_TEXT,
        date_of_birth=st.dates(),
        sex=props.WILD_TEXT,
        allergies=props.WILD_TEXT,
        notes=props.WILD_TEXT,
    )
    _run(tally, "patient", patients, _patient, examples)


class CountedMachine(machine.SessionMachine):
    runs = 0

    def __init__(self) -> None:
        super().__init__()
        CountedMachine.runs += 1


def _lifecycle(tally: Tally, runs: int) -> None:
    CountedMachine.runs = 0
    try:
        run_state_machine_as_test(
            CountedMachine,
            settings=settings(
                max_examples=runs,
                stateful_step_count=50,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    except Exception as error:  # an invariant broken is the failure counted
        tally.failures.append(f"session lifecycle: {type(error).__name__}: {error}"[:300])
    tally.examples += CountedMachine.runs


def run(full: bool) -> list[Figure]:
    validators, lifecycle = Tally(), Tally()
    _validators(validators, 1000 if full else 60)
    _lifecycle(lifecycle, 1000 if full else 60)
    return [
        Figure(
            "bad input",
            "hypothesis examples run",
            validators.examples,
            "failures",
            len(validators.failures),
        ),
        Figure(
            "lifecycle",
            "state-machine runs (<=50 steps)",
            lifecycle.examples,
            "invariants broken",
            len(lifecycle.failures),
        ),
    ]


def main() -> int:
    figures = run("--full" in sys.argv)
    for figure in figures:
        print(figure.line())
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
