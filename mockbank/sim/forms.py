"""What the screens of both servers show of a form's errors: all of them at once, the first one focused."""

from __future__ import annotations

from collections.abc import Iterator

CSRF_FIELD = "csrf_token"


def invalid_fields(form) -> Iterator:
    """The form's fields that carry errors, in the order the page shows them (the CSRF token aside)."""
    for field in form:
        if field.errors and field.name != CSRF_FIELD:
            yield field


def first_invalid(field) -> bool:
    """Whether ``field`` is the first field of its form with an error (the one that gets the focus)."""
    first = next(invalid_fields(field._form), None)
    return first is field


def install(app) -> None:
    """Make the helpers available to every template of ``app``."""
    app.jinja_env.globals.update(invalid_fields=invalid_fields, first_invalid=first_invalid)
