"""Protocol settings for "Before the first mL": the pre-infusion BP limit, the rate-above-plan
confirmation and the first-weight pounds question, with the clinical reference's defaults.

Protocol versions are append-only: each protocol whose newest version lacks a setting gets a
new version that states the defaults explicitly. Sessions keep the version they were opened
with (which reads the same defaults for the settings it does not state).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from ketachart.models.base import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The defaults as they were when this revision was written (never read from the code, which
# may change): clinical reference, "Before the first mL".
ALERT_DEFAULTS: dict[str, Any] = {
    "pre_infusion_systolic_max": 160,
    "pre_infusion_diastolic_max": 100,
    "pounds_question_above_kg": "150",
}
PROTOCOL_DEFAULTS: dict[str, Any] = {"rate_above_plan_fraction": "0.25"}

PROTOCOL_VERSIONS = sa.table(
    "protocol_versions",
    sa.column("code", sa.String),
    sa.column("version", sa.Integer),
    sa.column("name", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("spec_json", sa.Text),
    sa.column("created_at", UTCDateTime),
    sa.column("created_by", sa.Integer),
)


def upgrade() -> None:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT code, version, name, active, spec_json FROM protocol_versions "
            "ORDER BY code, version"
        )
    )
    newest = {row.code: row for row in rows}
    now = datetime.now(UTC)
    added = [_next_version(row, now) for row in newest.values() if _lacks_settings(row)]
    if added:
        op.bulk_insert(PROTOCOL_VERSIONS, added)


def _lacks_settings(row: Any) -> bool:
    spec = json.loads(row.spec_json)
    alerts = spec.get("alerts", {})
    return any(k not in alerts for k in ALERT_DEFAULTS) or any(
        k not in spec for k in PROTOCOL_DEFAULTS
    )


def _next_version(row: Any, now: datetime) -> dict[str, Any]:
    spec = json.loads(row.spec_json)
    spec["alerts"] = {**ALERT_DEFAULTS, **spec.get("alerts", {})}
    spec = {**PROTOCOL_DEFAULTS, **spec, "version": row.version + 1}
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {
        "code": row.code,
        "version": row.version + 1,
        "name": row.name,
        "active": row.active,
        "spec_json": text,
        "created_at": now,
        "created_by": None,
    }


def downgrade() -> None:
    """Nothing to undo: the added versions are history (append-only), and older code reads
    them, ignoring the settings it does not know."""
