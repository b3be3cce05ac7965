"""The console: staff accounts, failed logins, escalated chats and their append-only trail.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("directory_id", sa.Integer, sa.ForeignKey("directory_entries.id", ondelete="SET NULL")),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "chats",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contact_id", sa.Integer, sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("counsellor_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("last_reply_at", sa.DateTime(timezone=True)),
        sa.Column("told_waiting_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "chat_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("chat_id", sa.Integer, sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("detail_enc", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE FUNCTION chat_events_append_only() RETURNS trigger AS $$
                      BEGIN RAISE EXCEPTION 'chat_events is append-only'; END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER chat_events_no_update BEFORE UPDATE OF chat_id, kind, actor, created_at
                      ON chat_events FOR EACH ROW EXECUTE FUNCTION chat_events_append_only()""")
    else:
        op.execute("""CREATE TRIGGER chat_events_no_update BEFORE UPDATE OF chat_id, kind, actor, created_at
                      ON chat_events BEGIN SELECT RAISE(ABORT, 'chat_events is append-only'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER chat_events_no_update ON chat_events")
        op.execute("DROP FUNCTION chat_events_append_only()")
    op.drop_table("chat_events")
    op.drop_table("chats")
    op.drop_table("login_failures")
    op.drop_table("users")
