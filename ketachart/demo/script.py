"""Charting one demo session through the same services the screens use, step by step.

A session's script is a generator: it yields the time of its next step, and when resumed
(with the clock at that time) it charts that step, one transaction per user action.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from ketachart.demo.data import (
    ADDENDA,
    EARLY_STOP_DETAIL,
    IV_SITES,
    NOTES,
    PAUSE_REASONS,
    RATE_DOWN_REASON,
    RATE_UP_REASON,
    RECONCILE_COSIGN,
    RECONCILE_REASON,
    RescueSpec,
    SideEffectSpec,
)
from ketachart.demo.plan import Finish
from ketachart.demo.run import Run
from ketachart.demo.scores import recovery_vitals, score_items
from ketachart.domain import payloads as p
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.dose import plan_dose
from ketachart.domain.events import Override
from ketachart.domain.monitoring import delivered_so_far, dose_verdict_at
from ketachart.domain.vocab import (
    Instruction,
    MentalStatus,
    Nausea,
    PreCheckCode,
    PreCheckStatus,
    SideEffectKind,
    StopReason,
)
from ketachart.services import charting, corrections, sessions, signing

Step = tuple[int, Callable[[], object]]
SIGNED_FINISHES = (Finish.ATTESTED, Finish.SIGNED, Finish.ADDENDUM)
VIAL_MG_ML = Decimal(50)


def session_script(run: Run) -> Iterator[datetime]:
    """Everything that happens in one session, in order, with the time of each step."""
    yield from _prepare(run)
    yield from _infuse(run)
    yield from _recover(run)
    yield from _sign(run)


def _prepare(run: Run) -> Iterator[datetime]:
    yield run.at(0)
    run.open()
    yield run.at(3)
    run.chart(p.PreChecks(_identity_checks()))
    yield run.at(5)
    run.chart(p.PreChecks(_other_checks(run)))
    yield run.at(7)
    run.chart(run.baseline)
    yield run.at(10)
    attempts = 1 if run.rng.random() < 0.85 else 2
    run.chart(p.IvStart(run.rng.choice(IV_SITES), run.rng.choice((20, 22, 22, 24)), attempts))


def _identity_checks() -> tuple[p.PreCheckItem, ...]:
    return (
        p.PreCheckItem(PreCheckCode.IDENTITY, PreCheckStatus.DONE, "Name and DOB on wristband."),
        p.PreCheckItem(PreCheckCode.CONSENT, PreCheckStatus.DONE, "Signed consent on file."),
    )


def _other_checks(run: Run) -> tuple[p.PreCheckItem, ...]:
    fasting = p.PreCheckItem(PreCheckCode.FASTING, PreCheckStatus.DONE, "Nothing to eat for 6 h.")
    if run.plan.fasting_override:
        fasting = p.PreCheckItem(
            PreCheckCode.FASTING,
            PreCheckStatus.OVERRIDDEN,
            "Light breakfast 4 h ago; physician informed, proceeding.",
        )
    return (
        fasting,
        _pregnancy_check(run),
        p.PreCheckItem(
            PreCheckCode.CONCOMITANT_MEDS, PreCheckStatus.DONE, "No benzodiazepines today."
        ),
        p.PreCheckItem(PreCheckCode.RIDE_ARRANGED, PreCheckStatus.DONE, "Escort waiting."),
    )


def _pregnancy_check(run: Run) -> p.PreCheckItem:
    patient = run.plan.patient
    age = (run.plan.opened.date() - patient.date_of_birth).days // 365
    if patient.sex == "female" and age < 55:
        return p.PreCheckItem(PreCheckCode.PREGNANCY, PreCheckStatus.DONE, "Urine hCG negative.")
    return p.PreCheckItem(PreCheckCode.PREGNANCY, PreCheckStatus.NOT_APPLICABLE)


def _infuse(run: Run) -> Iterator[datetime]:
    times = run.plan.times
    yield run.at(times.infusion_start)
    _start(run)
    for minute, step in sorted(_infusion_steps(run), key=lambda s: s[0]):
        yield run.at(minute)
        step()
    yield run.at(times.stop)
    _stop(run)


def _start(run: Run) -> None:
    dose = plan_dose(run.plan.protocol.spec, run.plan.weight_kg)
    run.rate = dose.rate_ml_h
    bag = Decimal(100) if dose.volume_ml <= 80 else Decimal(250)
    run.ctx.act(charting.start_infusion, run.nurse.actor, run.session_id, run.rate, bag)


def _infusion_steps(run: Run) -> list[Step]:
    times, plan = run.plan.times, run.plan
    steps: list[Step] = [(times.infusion_start + 4, partial(_note, run))]
    readings = _reading_minutes(run)
    steps += [(m, partial(_vitals, run, i, m)) for i, m in enumerate(readings)]
    if plan.typo and len(readings) > 1:
        steps.append((readings[1] + 1, partial(_fix_typo, run)))
    if plan.voided_note:
        steps += [(times.infusion_start + 6, partial(_stray_note, run))]
        steps += [(times.infusion_start + 8, partial(_void_note, run))]
    if times.rate_change is not None and plan.rate_factor is not None:
        steps.append((times.rate_change, partial(_change_rate, run, plan.rate_factor)))
    if times.pause is not None:
        steps += [(times.pause[0], partial(_pause, run)), (times.pause[1], partial(_resume, run))]
    if plan.side_effect is not None and times.side_effect is not None:
        steps += _side_effect_steps(run, plan.side_effect, times.side_effect)
    return steps


def _reading_minutes(run: Run) -> list[int]:
    """Vitals at the protocol interval until the stop; a late one is charted in recovery."""
    times, interval = run.plan.times, run.plan.protocol.spec.vitals_interval_min
    minutes = list(range(times.infusion_start + interval, times.stop + 1, interval))
    return minutes[:-1] if run.plan.late_vitals and len(minutes) > 1 else minutes


def _note(run: Run) -> None:
    run.chart(p.Note(run.rng.choice(NOTES)))


def _vitals(run: Run, index: int, minute: int) -> None:
    vitals = run.infusion_vitals(minute - run.plan.times.infusion_start)
    if run.plan.typo and index == 1:
        run.typo_fix = vitals
        vitals = replace(vitals, heart_rate=vitals.heart_rate + 100)
        run.marks["typo"] = run.chart(vitals).id
    else:
        run.chart(vitals)


def _fix_typo(run: Run) -> None:
    run.ctx.act(
        corrections.correct_entry,
        run.nurse.actor,
        run.session_id,
        run.marks["typo"],
        "Typing error: an extra digit in the heart rate.",
        run.typo_fix,
        seen_version=None,
    )


def _stray_note(run: Run) -> None:
    run.marks["stray"] = run.chart(p.Note("Escort phoned to confirm the pick-up time.")).id


def _void_note(run: Run) -> None:
    run.ctx.act(
        corrections.correct_entry,
        run.nurse.actor,
        run.session_id,
        run.marks["stray"],
        "Entered in the wrong patient's chart.",
        None,
        seen_version=None,
    )


def _change_rate(run: Run, factor: Decimal) -> None:
    """A physician titrates up; a nurse turns the rate down for uncomfortable dissociation."""
    new_rate = (run.rate * factor).quantize(Decimal("0.1"), ROUND_HALF_UP)
    member, reason = (
        (run.physician, RATE_UP_REASON) if factor > 1 else (run.nurse, RATE_DOWN_REASON)
    )
    run.ctx.act(charting.change_rate, member.actor, run.session_id, new_rate, reason)
    run.rate = new_rate


def _pause(run: Run) -> None:
    run.chart(p.Pause(run.rng.choice(PAUSE_REASONS)))


def _resume(run: Run) -> None:
    run.chart(p.Resume("Resumed at the same rate."))


def _side_effect_steps(run: Run, spec: SideEffectSpec, minute: int) -> list[Step]:
    steps: list[Step] = [(minute, partial(_side_effect, run, spec))]
    if spec.kind is SideEffectKind.HYPERTENSION:
        steps.insert(0, (minute - 1, partial(_high_bp, run)))
    if spec.rescue is not None:
        steps.append((minute + 2, partial(_rescue, run, spec.kind, spec.rescue)))
    return steps


def _high_bp(run: Run) -> None:
    b, r = run.baseline, run.rng
    run.chart(
        p.Vitals(
            systolic=b.systolic + r.randint(42, 50),
            diastolic=b.diastolic + r.randint(26, 30),
            heart_rate=b.heart_rate + r.randint(6, 14),
            resp_rate=b.resp_rate,
            spo2=b.spo2,
            moaas=5,
        )
    )


def _side_effect(run: Run, spec: SideEffectSpec) -> None:
    payload = p.SideEffect(spec.kind, spec.severity, spec.description, spec.intervention)
    run.marks["side_effect"] = run.chart(payload).id


def _rescue(run: Run, kind: SideEffectKind, given: RescueSpec) -> None:
    medicine = p.RescueMedicine(
        given.drug,
        given.dose,
        given.unit,
        given.route,
        indication=kind.value.replace("_", " "),
        response=given.response,
        side_effect_id=run.marks["side_effect"],
    )
    run.ctx.act(charting.give_rescue_medicine, run.nurse.actor, run.session_id, medicine)


def _stop(run: Run) -> None:
    """The pump's volume is what the rate segments delivered, at the pump's 0.1 mL."""
    with run.ctx.db.reading() as tx:
        state = sessions.load_session(tx, run.session_id).state()
    concentration = run.plan.protocol.spec.concentration_mg_ml
    delivered = delivered_so_far(state, run.at(run.plan.times.stop))
    run.pump_volume = (delivered / concentration).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if run.plan.early_stop:
        run.chart(p.InfusionStop(run.pump_volume, StopReason.STOPPED_EARLY, EARLY_STOP_DETAIL))
    else:
        run.chart(p.InfusionStop(run.pump_volume, StopReason.COMPLETED))


def _recover(run: Run) -> Iterator[datetime]:
    times = run.plan.times
    yield run.at(times.stop + 3)
    _controlled_substance(run)
    if run.plan.late_vitals:
        # Before the first recovery check, even where a clinic checks every 5 minutes.
        yield run.at(min(times.stop + 12, times.recovery[0] - 1))
        _late_vitals(run)
    for index, minute in enumerate(times.recovery):
        yield run.at(minute)
        _recovery_check(run, index)
    if run.rng.random() < 0.5:
        yield run.at(times.recovery[-1] + 1)
        run.chart(_ride(run))
        run.ride_charted = True
    yield run.at(times.recovery[-1] + 2)
    run.chart(p.IvRemoved(True, True))
    yield run.at(times.discharge)
    _discharge(run)


def _controlled_substance(run: Run) -> None:
    spec, r = run.plan.protocol.spec, run.rng
    administered = run.pump_volume * spec.concentration_mg_ml
    mistyped = not run.ctx.vial_mistyped or run.plan.seed % 25 == 0
    if mistyped:  # the record says 80 %: a dose difference, reconciled below
        administered = (administered * Decimal("0.8")).quantize(Decimal("0.1"))
    planned = plan_dose(spec, run.plan.weight_kg).total_mg
    drawn = Decimal(math.ceil(max(planned, administered) / 10) * 10)
    record = p.ControlledSubstance(
        drug=spec.drug,
        lot=f"K{run.plan.opened:%y%m}-{r.randint(100, 999)}",
        expiry=run.plan.opened.date() + timedelta(days=r.randint(120, 540)),
        concentration_mg_ml=VIAL_MG_ML,
        container_ml=Decimal(min(100, max(10, math.ceil(drawn / VIAL_MG_ML)))),
        drawn_mg=drawn,
        administered_mg=administered,
        wasted_mg=drawn - administered,
    )
    witness = run.ctx.witness(run.ctx.staff.nurses[run.plan.witness])
    run.ctx.act(
        charting.record_controlled_substance, run.nurse.actor, run.session_id, record, witness
    )
    if mistyped:
        _reconcile(run)


def _reconcile(run: Run) -> None:
    """The nurse records the reconciliation of a mistyped vial record; the physician
    co-signs it (signed in at the nurse's workstation)."""
    with run.ctx.db.reading() as tx:
        state = sessions.load_session(tx, run.session_id).state()
    found = dose_verdict_at(state, state.infusion_stopped_at or run.ctx.now).reconciliation
    entry = p.DoseReconciliation(
        found.delivered_mg,
        found.pump_mg,
        found.recorded_mg,
        RECONCILE_REASON,
        accepted_mg=found.pump_mg,
    )
    cosign = (Override(ClinicalCode.DOSE_RECONCILIATION, RECONCILE_COSIGN),)
    run.ctx.act(
        charting.chart,
        run.nurse.actor,
        run.session_id,
        entry,
        overrides=cosign,
        approver=run.physician.actor,
    )
    run.ctx.vial_mistyped = True


def _late_vitals(run: Run) -> None:
    """The last reading of the infusion, charted late from the monitor's printout."""
    times, interval = run.plan.times, run.plan.protocol.spec.vitals_interval_min
    minute = times.infusion_start + (times.stop - times.infusion_start) // interval * interval
    vitals = run.infusion_vitals(minute - times.infusion_start)
    run.chart(vitals, occurred_at=run.at(minute))


def _recovery_check(run: Run, index: int) -> None:
    last = index == len(run.plan.times.recovery) - 1
    vitals = recovery_vitals(run.rng, run.baseline, last=last)
    nausea = Nausea.MILD if not last and run.rng.random() < 0.15 else Nausea.NONE
    kind = run.plan.protocol.spec.discharge_score
    check = p.RecoveryCheck(
        vitals,
        nausea,
        MentalStatus.DROWSY if index == 0 and not last else MentalStatus.BASELINE,
        kind,
        score_items(kind, run.baseline, vitals, awake=index > 0 or last, nausea=nausea),
    )
    run.ctx.act(charting.record_recovery_check, run.nurse.actor, run.session_id, check)


def _ride(run: Run) -> p.RideConfirmed:
    name, relationship = run.escort
    phone = f"+49 151 5550 {run.rng.randint(1000, 9999)}"
    return p.RideConfirmed(name, relationship, phone, run.nurse.actor.display_name)


def _discharge(run: Run) -> None:
    ride = None if run.ride_charted else _ride(run)
    discharge = p.Discharge(tuple(Instruction), "Left with escort, steady on feet.")
    run.ctx.act(charting.discharge_patient, run.nurse.actor, run.session_id, discharge, ride=ride)


def _sign(run: Run) -> Iterator[datetime]:
    """Nurse attestation, physician signature, and a signed addendum the next day."""
    finish, done = run.plan.finish, run.plan.times.discharge
    if finish not in SIGNED_FINISHES:
        return
    act, nurse, physician = run.ctx.act, run.nurse, run.physician
    yield run.capped(done + run.rng.randint(5, 40))
    proof = run.ctx.prove(nurse, signing.ATTEST_PURPOSE)
    act(signing.attest, nurse.actor, run.session_id, proof, seen_head=run.ctx.seen(run.session_id))
    if finish is Finish.ATTESTED:
        return
    yield run.capped(done + run.rng.randint(60, 360))
    proof = run.ctx.prove(physician, signing.SIGN_PURPOSE)
    act(
        signing.sign_session,
        physician.actor,
        run.session_id,
        proof,
        seen_head=run.ctx.seen(run.session_id),
    )
    if finish is not Finish.ADDENDUM:
        return
    later = done + run.rng.randint(18 * 60, 30 * 60)
    yield run.capped(later)
    text = run.rng.choice(ADDENDA)
    addendum = act(signing.add_addendum, nurse.actor, run.session_id, text)
    yield run.capped(later + run.rng.randint(30, 240))
    proof = run.ctx.prove(physician, signing.SIGN_PURPOSE)
    act(
        signing.sign_addendum,
        physician.actor,
        run.session_id,
        addendum.id,
        proof,
        seen_head=run.ctx.seen(run.session_id),
    )
