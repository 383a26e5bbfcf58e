"""The portal's tables as mockbank made them before it had migrations.

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
        "administrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("kvk_number", sa.String(length=8), nullable=True),
        sa.Column("accounting_firm", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "bank_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("api_key", sa.String(length=64), nullable=False),
        sa.Column("client_secret", sa.String(length=64), nullable=True),
        sa.Column("callback_secret", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "bank_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("serial_number", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_table(
        "clock_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
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
        "id_sequences",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.JSON(), nullable=False),
        sa.Column("next_block", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "kvk_companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kvk_number", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("rsin", sa.String(length=9), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kvk_number"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index(op.f("ix_api_tokens_administration_id"), "api_tokens", ["administration_id"], unique=False)
    op.create_table(
        "billing_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("linked_accounts", sa.Integer(), nullable=False),
        sa.Column("free_accounts", sa.Integer(), nullable=False),
        sa.Column("billed_accounts", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("accounts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("administration_id", "month", name="uq_billed_once"),
    )
    op.create_index(op.f("ix_billing_lines_administration_id"), "billing_lines", ["administration_id"], unique=False)
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=False),
        sa.Column("customer_number", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("is_private_person", sa.Boolean(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("mandate_id", sa.String(length=35), nullable=True),
        sa.Column("mandate_type", sa.Integer(), nullable=True),
        sa.Column("sequence_type", sa.Integer(), nullable=True),
        sa.Column("signing_date", sa.Date(), nullable=True),
        sa.Column("latest_direct_debit", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("administration_id", "customer_number", name="uq_customer_number"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index(op.f("ix_customers_administration_id"), "customers", ["administration_id"], unique=False)
    op.create_table(
        "serials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=7), nullable=False),
        sa.Column("product", sa.String(length=32), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(op.f("ix_serials_administration_id"), "serials", ["administration_id"], unique=False)
    op.create_table(
        "bank_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("account_type", sa.Integer(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("ledger_account", sa.BigInteger(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_default_cheque", sa.Boolean(), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=True),
        sa.Column("connection_state", sa.String(length=16), nullable=False),
        sa.Column("connection_requested_at", sa.DateTime(), nullable=True),
        sa.Column("serial_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["serial_id"],
            ["serials.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index(op.f("ix_bank_accounts_administration_id"), "bank_accounts", ["administration_id"], unique=False)
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("kvk_number", sa.String(length=8), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("product", sa.String(length=32), nullable=True),
        sa.Column("bank", sa.String(length=32), nullable=True),
        sa.Column("terms_accepted_at", sa.DateTime(), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["serial_id"],
            ["serials.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("serial_id"),
    )
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("flow", sa.String(length=16), nullable=False),
        sa.Column("bank_consent_ref", sa.String(length=64), nullable=True),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("consent_valid_until", sa.DateTime(), nullable=True),
        sa.Column("access_token", sa.String(length=128), nullable=True),
        sa.Column("refresh_token", sa.String(length=128), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("activated_at", sa.DateTime(), nullable=True),
        sa.Column("first_import_at", sa.DateTime(), nullable=True),
        sa.Column("import_from", sa.Date(), nullable=True),
        sa.Column("last_import_at", sa.DateTime(), nullable=True),
        sa.Column("active_since", sa.DateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bank_accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_account_links_iban"), "account_links", ["iban"], unique=False)
    op.create_index(op.f("ix_account_links_registration_id"), "account_links", ["registration_id"], unique=False)
    op.create_table(
        "direct_debit_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("collection_date", sa.Date(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("payment_info_id", sa.String(length=35), nullable=False),
        sa.Column("file_name", sa.String(length=18), nullable=False),
        sa.Column("bank_batch_id", sa.String(length=80), nullable=True),
        sa.Column("bank_hash", sa.String(length=64), nullable=True),
        sa.Column("authorization_url", sa.String(length=500), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bank_accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("payment_info_id"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index(
        op.f("ix_direct_debit_orders_administration_id"), "direct_debit_orders", ["administration_id"], unique=False
    )
    op.create_table(
        "redirect_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state"),
    )
    op.create_table(
        "registration_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_registration_events_registration_id"), "registration_events", ["registration_id"], unique=False
    )
    op.create_table(
        "customer_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_number", sa.Integer(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("remaining_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("return_reason", sa.String(length=4), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["direct_debit_orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("administration_id", "invoice_number", name="uq_invoice_number"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index(
        op.f("ix_customer_invoices_administration_id"), "customer_invoices", ["administration_id"], unique=False
    )
    op.create_index(op.f("ix_customer_invoices_customer_id"), "customer_invoices", ["customer_id"], unique=False)
    op.create_index(op.f("ix_customer_invoices_order_id"), "customer_invoices", ["order_id"], unique=False)
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("book_date_from", sa.Date(), nullable=True),
        sa.Column("book_date_to", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("refreshed", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["account_links.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_import_runs_link_id"), "import_runs", ["link_id"], unique=False)
    op.create_table(
        "link_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["account_links.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_link_events_link_id"), "link_events", ["link_id"], unique=False)
    op.create_table(
        "mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sender", sa.String(length=254), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("delivery_status", sa.String(length=16), nullable=False),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["account_links.id"],
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index(op.f("ix_mails_delivery_status"), "mails", ["delivery_status"], unique=False)
    op.create_index(op.f("ix_mails_kind"), "mails", ["kind"], unique=False)
    op.create_index(op.f("ix_mails_link_id"), "mails", ["link_id"], unique=False)
    op.create_index(op.f("ix_mails_recipient"), "mails", ["recipient"], unique=False)
    op.create_index(op.f("ix_mails_sent_at"), "mails", ["sent_at"], unique=False)
    op.create_table(
        "payment_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("access_token", sa.String(length=128), nullable=True),
        sa.Column("refresh_token", sa.String(length=128), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["direct_debit_orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state"),
    )
    op.create_index(
        op.f("ix_payment_consents_administration_id"), "payment_consents", ["administration_id"], unique=False
    )
    op.create_index(op.f("ix_payment_consents_iban"), "payment_consents", ["iban"], unique=False)
    op.create_table(
        "activation_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(), nullable=True),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["account_links.id"],
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["mails.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index(op.f("ix_activation_tokens_link_id"), "activation_tokens", ["link_id"], unique=False)
    op.create_table(
        "imported_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bank_transaction_id", sa.String(length=64), nullable=False),
        sa.Column("book_date", sa.Date(), nullable=False),
        sa.Column("transaction_timestamp", sa.String(length=32), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("mutation_code", sa.String(length=8), nullable=True),
        sa.Column("description_lines", sa.JSON(), nullable=False),
        sa.Column("counterparty_name", sa.String(length=200), nullable=True),
        sa.Column("counterparty_iban", sa.String(length=34), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bank_accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_runs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["account_links.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("iban", "bank_transaction_id", name="uq_imported_once"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index(
        op.f("ix_imported_transactions_bank_account_id"), "imported_transactions", ["bank_account_id"], unique=False
    )
    op.create_index(op.f("ix_imported_transactions_book_date"), "imported_transactions", ["book_date"], unique=False)
    op.create_index(op.f("ix_imported_transactions_link_id"), "imported_transactions", ["link_id"], unique=False)


def downgrade() -> None:
    """Drop every table."""

    op.drop_index(op.f("ix_imported_transactions_link_id"), table_name="imported_transactions")
    op.drop_index(op.f("ix_imported_transactions_book_date"), table_name="imported_transactions")
    op.drop_index(op.f("ix_imported_transactions_bank_account_id"), table_name="imported_transactions")
    op.drop_table("imported_transactions")
    op.drop_index(op.f("ix_activation_tokens_link_id"), table_name="activation_tokens")
    op.drop_table("activation_tokens")
    op.drop_index(op.f("ix_payment_consents_iban"), table_name="payment_consents")
    op.drop_index(op.f("ix_payment_consents_administration_id"), table_name="payment_consents")
    op.drop_table("payment_consents")
    op.drop_index(op.f("ix_mails_sent_at"), table_name="mails")
    op.drop_index(op.f("ix_mails_recipient"), table_name="mails")
    op.drop_index(op.f("ix_mails_link_id"), table_name="mails")
    op.drop_index(op.f("ix_mails_kind"), table_name="mails")
    op.drop_index(op.f("ix_mails_delivery_status"), table_name="mails")
    op.drop_table("mails")
    op.drop_index(op.f("ix_link_events_link_id"), table_name="link_events")
    op.drop_table("link_events")
    op.drop_index(op.f("ix_import_runs_link_id"), table_name="import_runs")
    op.drop_table("import_runs")
    op.drop_index(op.f("ix_customer_invoices_order_id"), table_name="customer_invoices")
    op.drop_index(op.f("ix_customer_invoices_customer_id"), table_name="customer_invoices")
    op.drop_index(op.f("ix_customer_invoices_administration_id"), table_name="customer_invoices")
    op.drop_table("customer_invoices")
    op.drop_index(op.f("ix_registration_events_registration_id"), table_name="registration_events")
    op.drop_table("registration_events")
    op.drop_table("redirect_states")
    op.drop_index(op.f("ix_direct_debit_orders_administration_id"), table_name="direct_debit_orders")
    op.drop_table("direct_debit_orders")
    op.drop_index(op.f("ix_account_links_registration_id"), table_name="account_links")
    op.drop_index(op.f("ix_account_links_iban"), table_name="account_links")
    op.drop_table("account_links")
    op.drop_table("registrations")
    op.drop_index(op.f("ix_bank_accounts_administration_id"), table_name="bank_accounts")
    op.drop_table("bank_accounts")
    op.drop_index(op.f("ix_serials_administration_id"), table_name="serials")
    op.drop_table("serials")
    op.drop_index(op.f("ix_customers_administration_id"), table_name="customers")
    op.drop_table("customers")
    op.drop_index(op.f("ix_billing_lines_administration_id"), table_name="billing_lines")
    op.drop_table("billing_lines")
    op.drop_index(op.f("ix_api_tokens_administration_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("kvk_companies")
    op.drop_table("id_sequences")
    op.drop_index(op.f("ix_due_jobs_status"), table_name="due_jobs")
    op.drop_index(op.f("ix_due_jobs_kind"), table_name="due_jobs")
    op.drop_index(op.f("ix_due_jobs_due_at"), table_name="due_jobs")
    op.drop_table("due_jobs")
    op.drop_table("clock_state")
    op.drop_table("bank_deliveries")
    op.drop_table("bank_client")
    op.drop_table("app_secrets")
    op.drop_table("administrations")
