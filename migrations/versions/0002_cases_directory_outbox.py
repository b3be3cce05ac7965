"""Cases and their event trail, the directory of committees and councillors, and the outbox columns of messages.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "directory_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("province", sa.String(32)),
        sa.Column("district", sa.String(64)),
        sa.Column("languages", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("answers_enc", sa.Text),
        sa.Column("route", sa.String(32)),
        sa.Column("route_reasons", sa.Text),
        sa.Column("directory_id", sa.Integer, sa.ForeignKey("directory_entries.id", ondelete="SET NULL")),
        sa.Column("shared_enc", sa.Text),
        sa.Column("pin_hash", sa.String(200)),
        sa.Column("pin_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pin_locked_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("detail_enc", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("to_enc", sa.Text))
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="reply"))
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_error", sa.String(200)))
        batch.add_column(sa.Column("case_id", sa.Integer))
        batch.create_foreign_key("fk_messages_case", "cases", ["case_id"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_messages_next_attempt_at", ["next_attempt_at"])
        batch.create_index("ix_messages_case_id", ["case_id"])
    # The event trail is append-only: the database itself refuses to change what an event says
    # (its detail may only be re-encrypted under a new key, by `flask data reencrypt`).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE FUNCTION case_events_append_only() RETURNS trigger AS $$
                      BEGIN RAISE EXCEPTION 'case_events is append-only'; END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER case_events_no_update BEFORE UPDATE OF case_id, kind, actor, created_at
                      ON case_events FOR EACH ROW EXECUTE FUNCTION case_events_append_only()""")
    else:
        op.execute("""CREATE TRIGGER case_events_no_update BEFORE UPDATE OF case_id, kind, actor, created_at
                      ON case_events BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_events_no_update ON case_events")
        op.execute("DROP FUNCTION case_events_append_only()")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_case_id")
        batch.drop_index("ix_messages_next_attempt_at")
        batch.drop_constraint("fk_messages_case", type_="foreignkey")
        for column in ("case_id", "last_error", "lease_until", "next_attempt_at", "attempts", "kind", "to_enc"):
            batch.drop_column(column)
    op.drop_table("case_events")
    op.drop_table("cases")
    op.drop_table("directory_entries")
