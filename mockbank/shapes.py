"""The sandbox API's JSON shapes of the bank's rows: one module both views and services (the demo summary) use.

ABN AMRO's own wire format (``/v1``) lives in ``wire.py``; these are the mock's sandbox shapes.
"""

from __future__ import annotations

from mockbank import models
from mockbank import wire
from mockbank.sim.money import from_cents


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def account_json(account: models.Account) -> dict:
    """An account as the sandbox shows it."""
    return {
        "iban": account.iban,
        "customerId": account.customer_id,
        "product": account.product,
        "currency": account.currency,
        "holderName": account.holder_name,
        "hasOwnIban": account.has_own_iban,
        "balance": str(from_cents(account.balance_cents)),
        "bookings": account.booking_count,
    }


def login_means_json(means: models.LoginMeans) -> dict:
    """A login means with the secrets a tester needs (the valid e.dentifier response)."""
    shape = {"id": means.id, "kind": means.kind, "blocked": means.blocked_at is not None}
    if means.kind == models.EDENTIFIER:
        shape.update(accountNumber=means.account_number, cardNumber=means.card_number, responseCode=means.response_code)
    elif means.kind == models.ACCESS_ONLINE:
        shape.update(userId=means.access_online_user_id, cardNumber=means.card_number, responseCode=means.response_code)
    else:
        shape.update(device=means.app_device)
    return shape


def user_json(user: models.OnlineUser) -> dict:
    """A user with its login means."""
    return {
        "id": user.id,
        "customerId": user.customer_id,
        "name": user.name,
        "email": user.email,
        "behaviour": user.behaviour,
        "loginMeans": [login_means_json(m) for m in user.login_means],
    }


def customer_json(customer: models.Customer) -> dict:
    """A customer with its accounts' IBANs."""
    return {
        "id": customer.id,
        "kind": customer.kind,
        "name": customer.name,
        "tradeName": customer.trade_name,
        "kvkNumber": customer.kvk_number,
        "accounts": [a.iban for a in customer.accounts],
        "users": [u.id for u in customer.users],
    }


def client_json(client: models.OAuthClient) -> dict:
    """A registered third party with its credentials."""
    return {
        "clientId": client.client_id,
        "name": client.name,
        "apiKey": client.api_key,
        "clientSecret": client.client_secret,
        "redirectUris": list(client.redirect_uris),
        "public": client.public,
        "softwareName": client.software_name,
        "callbackUrl": client.callback_url,
        "callbackSecret": client.callback_secret,
    }


def booking_json(row: models.Booking, iban: str) -> dict:
    """A booking as the sandbox shows it (the API's shape plus the IBAN)."""
    return {"iban": iban, **wire.booking(row)}


def consent_json(consent: models.Consent) -> dict:
    """A consent with its status history."""
    return {
        "id": consent.id,
        "clientId": consent.client_id,
        "iban": consent.account.iban if consent.account else None,
        "scopes": consent.scopes,
        "status": consent.status,
        "validUntil": _iso(consent.valid_until),
        "events": [{"status": e.status, "at": e.at.isoformat(), "reason": e.reason} for e in consent.events],
    }


def token_json(token: models.Token, now) -> dict:
    """A minted token as the token endpoint would answer it, plus its consent."""
    return {
        "access_token": token.access_token,
        "refresh_token": token.refresh_token,
        "token_type": "Bearer",
        "expires_in": int((token.expires_at - now).total_seconds()),
        "scope": token.scope,
        "consentId": token.consent_id,
    }


def app_login_json(login) -> dict:
    """An app login as the sandbox shows it."""
    return {
        "id": login.id,
        "userId": login.user_id,
        "loginMeansId": login.login_means_id,
        "status": login.status,
        "createdAt": login.created_at.isoformat(),
        "confirmAfter": _iso(login.confirm_after),
        "confirmedAt": _iso(login.confirmed_at),
    }


def decision_json(decision) -> dict:
    """A queued decision as the sandbox shows it."""
    return {
        "id": decision.id,
        "clientId": decision.client_id,
        "decision": decision.decision,
        "iban": decision.iban,
        "error": decision.error,
        "errorDescription": decision.error_description,
        "createdAt": decision.created_at.isoformat(),
        "usedAt": _iso(decision.used_at),
    }


def fault_json(fault: models.Fault) -> dict:
    """A fault as the sandbox shows it."""
    return {
        "id": fault.id,
        "path": fault.path,
        "method": fault.method,
        "status": fault.status,
        "code": fault.code,
        "message": fault.message,
        "count": fault.count,
        "clientId": fault.client_id,
        "retryAfter": fault.retry_after,
        "remaining": fault.remaining,
        "hits": fault.hits,
        "createdAt": fault.created_at.isoformat(),
        "lastHitAt": _iso(fault.last_hit_at),
    }


def registration_json(registration) -> dict:
    """A "Boekhoudkoppeling aanvragen" with its outcome."""
    return {
        "id": registration.id,
        "clientId": registration.client_id,
        "userId": registration.user_id,
        "loginMeans": registration.login_means,
        "serialNumber": registration.serial_number,
        "ibans": list(registration.ibans),
        "consentIds": list(registration.consent_ids),
        "status": registration.status,
        "reason": registration.reason,
        "createdAt": registration.created_at.isoformat(),
        "finishedAt": _iso(registration.finished_at),
    }


def payment_json(view) -> dict:
    """A registered payment (``PaymentView``) as the sandbox shows it: the API's answer plus what it is for."""
    payment = view.payment
    return {
        **wire.payment_status(view),
        "clientId": payment.client_id,
        "counterpartyAccountNumber": payment.counterparty_iban,
        "counterpartyName": payment.counterparty_name,
        "amount": str(from_cents(payment.amount_cents)),
        "currency": payment.currency,
        "requestedExecutionDate": _iso(payment.requested_execution_date),
        "executionDate": _iso(payment.execution_date),
        "remittanceInfo": payment.remittance_info,
        "structuredRemittanceInfo": (
            {"issuer": payment.reference_issuer, "reference": payment.reference} if payment.reference else None
        ),
        "reason": payment.reason,
        "createdAt": payment.created_at.isoformat(),
        "bookedAt": _iso(payment.booked_at),
    }


def contract_json(contract) -> dict:
    """A direct-debit contract (incassocontract)."""
    return {
        "id": contract.id,
        "iban": contract.account.iban,
        "creditorId": contract.creditor_id,
        "createdAt": contract.created_at.isoformat(),
    }


def collection_json(collection) -> dict:
    """One direct debit of a batch, with its fate."""
    return {
        "endToEndId": collection.end_to_end_id,
        "amount": str(from_cents(collection.amount_cents)),
        "mandateId": collection.mandate_id,
        "mandateDate": collection.mandate_date.isoformat(),
        "debtorName": collection.debtor_name,
        "debtorIban": collection.debtor_iban,
        "remittanceInfo": collection.remittance,
        "status": collection.status,
        "returnReason": collection.return_reason,
        "returnDate": _iso(collection.return_date),
    }


def batch_json(batch) -> dict:
    """A direct-debit batch as the sandbox shows it (ABN AMRO has no status call for batches)."""
    return {
        "id": batch.batch_id,
        "hash": batch.sha256,
        "status": batch.status,
        "clientId": batch.client_id,
        "iban": batch.account.iban,
        "fileName": batch.file_name,
        "messageId": batch.message_id,
        "paymentInfoId": batch.payment_info_id,
        "sequenceType": batch.sequence_type,
        "requestedCollectionDate": batch.requested_date.isoformat(),
        "collectionDate": batch.collection_date.isoformat(),
        "notice": batch.notice,
        "creditorId": batch.creditor_id,
        "creditorName": batch.creditor_name,
        "total": str(from_cents(batch.total_cents)),
        "count": batch.count,
        "createdAt": batch.created_at.isoformat(),
        "authorizedAt": _iso(batch.authorized_at),
        "authorizedWith": batch.authorized_with,
        "settledAt": _iso(batch.settled_at),
        "collections": [collection_json(c) for c in batch.collections],
    }


def return_rule_json(rule) -> dict:
    """A scripted direct-debit return."""
    return {
        "id": rule.id,
        "reason": rule.reason,
        "afterDays": rule.after_days,
        "debtorIban": rule.debtor_iban,
        "endToEndId": rule.end_to_end_id,
        "mandateId": rule.mandate_id,
        "createdAt": rule.created_at.isoformat(),
        "usedAt": _iso(rule.used_at),
    }
