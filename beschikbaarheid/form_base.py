"""The base of every form: Flask-WTF's FlaskForm, with its CSRF token signed once per session token.

A FlaskForm signs the session's CSRF token when it is built (WTForms' CSRF field does that in its
`process`), so a page with a form carried a fresh signature on every request, and so did the
htmx header that reuses it (web.csrf_token returns what is already on `g`). With
no time limit (our setting) an earlier signature is exactly as valid; web.csrf_token keeps it.
Validation is Flask-WTF's own, unchanged.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF  # Flask-WTF 1.x (pinned <2 in pyproject.toml)


class _SignedOnceCSRF(_FlaskFormCSRF):
    def generate_csrf_token(self, csrf_token_field):
        if self.meta.csrf_field_name != "csrf_token":  # web.csrf_token knows the default field only
            return super().generate_csrf_token(csrf_token_field)
        from beschikbaarheid.web import csrf_token

        return csrf_token()  # signs as Flask-WTF does when there is a time limit or no kept signature


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        csrf_class = _SignedOnceCSRF
