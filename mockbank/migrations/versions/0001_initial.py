"""The bank's tables as mockbank made them before it had migrations.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "accounting_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("login_means", sa.String(length=16), nullable=False),
        sa.Column("serial_number", sa.String(length=16), nullable=False),
        sa.Column("ibans", sa.JSON(), nullable=False),
        sa.Column("consent_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_accounting_registrations_client_id"), "accounting_registrations", ["client_id"], unique=False
    )
    op.create_index(
        op.f("ix_accounting_registrations_serial_number"), "accounting_registrations", ["serial_number"], unique=False
    )
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "clock_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("trade_name", sa.String(length=200), nullable=True),
        sa.Column("kvk_number", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_customers_kvk_number"), "customers", ["kvk_number"], unique=False)
    op.create_table(
        "due_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_due_jobs_due_at"), "due_jobs", ["due_at"], unique=False)
    op.create_index(op.f("ix_due_jobs_kind"), "due_jobs", ["kind"], unique=False)
    op.create_index(op.f("ix_due_jobs_status"), "due_jobs", ["status"], unique=False)
    op.create_table(
        "faults",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("retry_after", sa.Integer(), nullable=True),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_hit_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "id_sequences",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.JSON(), nullable=False),
        sa.Column("next_block", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "living_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("api_key", sa.String(length=64), nullable=False),
        sa.Column("client_secret", sa.String(length=64), nullable=True),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("software_name", sa.String(length=100), nullable=True),
        sa.Column("callback_url", sa.String(length=500), nullable=True),
        sa.Column("callback_secret", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("api_key"),
        sa.UniqueConstraint("client_id"),
    )
    op.create_table(
        "settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("has_own_iban", sa.Boolean(), nullable=False),
        sa.Column("balance_cents", sa.BigInteger(), nullable=False),
        sa.Column("credit_limit_cents", sa.BigInteger(), nullable=False),
        sa.Column("booking_count", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("iban"),
    )
    op.create_index(op.f("ix_accounts_customer_id"), "accounts", ["customer_id"], unique=False)
    op.create_table(
        "online_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("behaviour", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_online_users_customer_id"), "online_users", ["customer_id"], unique=False)
    op.create_table(
        "queued_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("error", sa.String(length=40), nullable=True),
        sa.Column("error_description", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("request_key", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.client_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_queued_decisions_client_id"), "queued_decisions", ["client_id"], unique=False)
    op.create_table(
        "banking_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("means", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["online_users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.String(length=40), nullable=True),
        sa.Column("transaction_id", sa.String(length=40), nullable=False),
        sa.Column("mutation_code", sa.String(length=8), nullable=False),
        sa.Column("description_lines", sa.JSON(), nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=False),
        sa.Column("book_date", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance_after_cents", sa.BigInteger(), nullable=False),
        sa.Column("counterparty_iban", sa.String(length=34), nullable=False),
        sa.Column("counterparty_name", sa.String(length=70), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bookings_keyset", "bookings", ["account_id", "book_date", "id"], unique=False)
    op.create_index(op.f("ix_bookings_transfer_id"), "bookings", ["transfer_id"], unique=False)
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.client_id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["online_users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_consents_account_id"), "consents", ["account_id"], unique=False)
    op.create_index(op.f("ix_consents_client_id"), "consents", ["client_id"], unique=False)
    op.create_table(
        "living_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id"),
    )
    op.create_table(
        "login_means",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account_number", sa.String(length=34), nullable=True),
        sa.Column("card_number", sa.String(length=8), nullable=True),
        sa.Column("access_online_user_id", sa.String(length=32), nullable=True),
        sa.Column("response_code", sa.String(length=16), nullable=True),
        sa.Column("app_device", sa.String(length=64), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("blocked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["online_users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_login_means_access_online_user_id"), "login_means", ["access_online_user_id"], unique=False
    )
    op.create_index(op.f("ix_login_means_card_number"), "login_means", ["card_number"], unique=False)
    op.create_index(op.f("ix_login_means_user_id"), "login_means", ["user_id"], unique=False)
    op.create_table(
        "sdd_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("creditor_id", sa.String(length=35), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id"),
    )
    op.create_table(
        "transfer_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("debtor_iban", sa.String(length=34), nullable=False),
        sa.Column("creditor_iban", sa.String(length=34), nullable=False),
        sa.Column("creditor_name", sa.String(length=70), nullable=False),
        sa.Column("own_account", sa.Boolean(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=140), nullable=False),
        sa.Column("name_check", sa.String(length=16), nullable=False),
        sa.Column("suggested_name", sa.String(length=200), nullable=True),
        sa.Column("risk_accepted", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("signed_with", sa.String(length=16), nullable=True),
        sa.Column("app_login_key", sa.String(length=40), nullable=True),
        sa.Column("transfer_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["online_users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(op.f("ix_transfer_orders_user_id"), "transfer_orders", ["user_id"], unique=False)
    op.create_table(
        "app_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("login_means_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirm_after", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["login_means_id"],
            ["login_means.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["online_users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "authorization_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("redirect_uri", sa.String(length=500), nullable=True),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(op.f("ix_authorization_codes_client_id"), "authorization_codes", ["client_id"], unique=False)
    op.create_table(
        "authorization_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("bank", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["online_users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(op.f("ix_authorization_requests_client_id"), "authorization_requests", ["client_id"], unique=False)
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_consent_events_consent_id"), "consent_events", ["consent_id"], unique=False)
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("initiating_iban", sa.String(length=34), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("counterparty_iban", sa.String(length=34), nullable=False),
        sa.Column("counterparty_name", sa.String(length=70), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("requested_execution_date", sa.Date(), nullable=True),
        sa.Column("execution_date", sa.Date(), nullable=True),
        sa.Column("remittance_info", sa.String(length=140), nullable=False),
        sa.Column("reference_issuer", sa.String(length=3), nullable=True),
        sa.Column("reference", sa.String(length=35), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("authorized_at", sa.DateTime(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("booked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transaction_id"),
    )
    op.create_index(op.f("ix_payments_client_id"), "payments", ["client_id"], unique=False)
    op.create_table(
        "sdd_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=80), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=18), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("payment_info_id", sa.String(length=35), nullable=False),
        sa.Column("sequence_type", sa.String(length=4), nullable=False),
        sa.Column("local_instrument", sa.String(length=4), nullable=False),
        sa.Column("requested_date", sa.Date(), nullable=False),
        sa.Column("collection_date", sa.Date(), nullable=False),
        sa.Column("creditor_name", sa.String(length=70), nullable=False),
        sa.Column("creditor_id", sa.String(length=35), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notice", sa.String(length=300), nullable=True),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("authorized_at", sa.DateTime(), nullable=True),
        sa.Column("authorized_by", sa.Integer(), nullable=True),
        sa.Column("authorized_with", sa.String(length=16), nullable=True),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["authorized_by"],
            ["online_users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id"),
    )
    op.create_index(op.f("ix_sdd_batches_account_id"), "sdd_batches", ["account_id"], unique=False)
    op.create_index(op.f("ix_sdd_batches_client_id"), "sdd_batches", ["client_id"], unique=False)
    op.create_table(
        "sdd_collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("mandate_id", sa.String(length=35), nullable=False),
        sa.Column("mandate_date", sa.Date(), nullable=False),
        sa.Column("debtor_name", sa.String(length=70), nullable=False),
        sa.Column("debtor_iban", sa.String(length=34), nullable=False),
        sa.Column("debtor_bic", sa.String(length=11), nullable=False),
        sa.Column("remittance", sa.String(length=140), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("return_reason", sa.String(length=4), nullable=True),
        sa.Column("return_date", sa.Date(), nullable=True),
        sa.Column("debtor_debited", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_pk"],
            ["sdd_batches.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_sdd_collections_batch_pk"), "sdd_collections", ["batch_pk"], unique=False)
    op.create_index(op.f("ix_sdd_collections_debtor_iban"), "sdd_collections", ["debtor_iban"], unique=False)
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("access_token", sa.String(length=64), nullable=False),
        sa.Column("refresh_token", sa.String(length=64), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("access_revoked_at", sa.DateTime(), nullable=True),
        sa.Column("refresh_revoked_at", sa.DateTime(), nullable=True),
        sa.Column("minted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["authorization_codes.id"],
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["tokens.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("access_token"),
        sa.UniqueConstraint("refresh_token"),
    )
    op.create_index(op.f("ix_tokens_client_id"), "tokens", ["client_id"], unique=False)
    op.create_index(op.f("ix_tokens_consent_id"), "tokens", ["consent_id"], unique=False)
    op.create_table(
        "sdd_return_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=4), nullable=False),
        sa.Column("after_days", sa.Integer(), nullable=False),
        sa.Column("debtor_iban", sa.String(length=34), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=True),
        sa.Column("mandate_id", sa.String(length=35), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("collection_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["sdd_collections.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Drop every table."""

    op.drop_table("sdd_return_rules")
    op.drop_index(op.f("ix_tokens_consent_id"), table_name="tokens")
    op.drop_index(op.f("ix_tokens_client_id"), table_name="tokens")
    op.drop_table("tokens")
    op.drop_index(op.f("ix_sdd_collections_debtor_iban"), table_name="sdd_collections")
    op.drop_index(op.f("ix_sdd_collections_batch_pk"), table_name="sdd_collections")
    op.drop_table("sdd_collections")
    op.drop_index(op.f("ix_sdd_batches_client_id"), table_name="sdd_batches")
    op.drop_index(op.f("ix_sdd_batches_account_id"), table_name="sdd_batches")
    op.drop_table("sdd_batches")
    op.drop_index(op.f("ix_payments_client_id"), table_name="payments")
    op.drop_table("payments")
    op.drop_index(op.f("ix_consent_events_consent_id"), table_name="consent_events")
    op.drop_table("consent_events")
    op.drop_index(op.f("ix_authorization_requests_client_id"), table_name="authorization_requests")
    op.drop_table("authorization_requests")
    op.drop_index(op.f("ix_authorization_codes_client_id"), table_name="authorization_codes")
    op.drop_table("authorization_codes")
    op.drop_table("app_logins")
    op.drop_index(op.f("ix_transfer_orders_user_id"), table_name="transfer_orders")
    op.drop_table("transfer_orders")
    op.drop_table("sdd_contracts")
    op.drop_index(op.f("ix_login_means_user_id"), table_name="login_means")
    op.drop_index(op.f("ix_login_means_card_number"), table_name="login_means")
    op.drop_index(op.f("ix_login_means_access_online_user_id"), table_name="login_means")
    op.drop_table("login_means")
    op.drop_table("living_profiles")
    op.drop_index(op.f("ix_consents_client_id"), table_name="consents")
    op.drop_index(op.f("ix_consents_account_id"), table_name="consents")
    op.drop_table("consents")
    op.drop_index(op.f("ix_bookings_transfer_id"), table_name="bookings")
    op.drop_index("ix_bookings_keyset", table_name="bookings")
    op.drop_table("bookings")
    op.drop_table("banking_sessions")
    op.drop_index(op.f("ix_queued_decisions_client_id"), table_name="queued_decisions")
    op.drop_table("queued_decisions")
    op.drop_index(op.f("ix_online_users_customer_id"), table_name="online_users")
    op.drop_table("online_users")
    op.drop_index(op.f("ix_accounts_customer_id"), table_name="accounts")
    op.drop_table("accounts")
    op.drop_table("settings")
    op.drop_table("oauth_clients")
    op.drop_table("living_events")
    op.drop_table("id_sequences")
    op.drop_table("faults")
    op.drop_index(op.f("ix_due_jobs_status"), table_name="due_jobs")
    op.drop_index(op.f("ix_due_jobs_kind"), table_name="due_jobs")
    op.drop_index(op.f("ix_due_jobs_due_at"), table_name="due_jobs")
    op.drop_table("due_jobs")
    op.drop_index(op.f("ix_customers_kvk_number"), table_name="customers")
    op.drop_table("customers")
    op.drop_table("clock_state")
    op.drop_table("app_secrets")
    op.drop_index(op.f("ix_accounting_registrations_serial_number"), table_name="accounting_registrations")
    op.drop_index(op.f("ix_accounting_registrations_client_id"), table_name="accounting_registrations")
    op.drop_table("accounting_registrations")
