"""The sandbox's LTI side: a developer key, the OAuth2 token endpoint, and Canvas's LTI API.

``POST /login/oauth2/token`` takes an LTI Advantage client-credentials request and checks
its JWT assertion (RS256, signed with the tool's private key; issuer and subject the
client id; audience this endpoint; not expired; ``jti`` never reused), then issues an
access token that expires after ``token_lifetime`` seconds. ``/api/lti/accounts/:id``,
``.../external_tools`` and ``.../data_services`` answer with data derived from the
institution's accounts. Errors use the LTI API's shapes: 401 ``{"errors": {"type",
"message"}}``, 404 ``{"errors": [{"message"}]}``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qs

from .institution import Institution

CLIENT_ID = "10000000000001"
UNAUTHORIZED = {"errors": {"type": "unauthorized", "message": "Unknown or inactive Developer Key"}}


def _keypair() -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


class LtiService:
    """One developer key (the tool's key pair is generated here, for demos and tests) and its tokens."""

    def __init__(self, institution: Institution, lock: threading.Lock, *, token_lifetime: float = 3600.0) -> None:
        self.institution, self._lock = institution, lock
        self.client_id = CLIENT_ID
        self.tool_private_key, self._public_key = _keypair()
        self.token_lifetime = token_lifetime
        self._tokens: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self._jtis: set[str] = set()
        self.issued = 0

    def valid(self, token: str | None) -> bool:
        with self._lock:
            return token is not None and self._tokens.get(token, 0) > time.time()

    def token(self, token_url: str, body: bytes) -> tuple[int, dict]:
        import jwt

        form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "client_credentials" or "client_assertion" not in form:
            return 400, {"error": "invalid_request", "error_description": "client_credentials with a client_assertion"}
        try:
            claims = jwt.decode(
                form["client_assertion"],
                self._public_key,
                algorithms=["RS256"],
                audience=token_url,
                issuer=self.client_id,
                options={"require": ["exp", "iat", "jti", "sub"]},
            )
        except jwt.PyJWTError as exc:
            return 401, {"errors": {"type": "unauthorized", "message": f"invalid client assertion: {exc}"}}
        with self._lock:
            if claims["sub"] != self.client_id or claims["jti"] in self._jtis:
                return 401, {"errors": {"type": "unauthorized", "message": "assertion subject or jti refused"}}
            self._jtis.add(claims["jti"])
            access = secrets.token_urlsafe(24)
            self._tokens[access] = time.time() + self.token_lifetime
            self.issued += 1
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "scope": form.get("scope", ""),
        }

    # -- views ---------------------------------------------------------------------------------

    def _uuid(self, account_id: int) -> str:
        return hashlib.sha256(f"uuid:{self.institution.config.seed}:{account_id}".encode()).hexdigest()[:40]

    def account(self, account_id: int) -> dict:
        accounts = self.institution.accounts
        account = accounts[account_id]
        root = self.institution.root_account.id
        return {
            "id": account.id,
            "name": account.name,
            "workflow_state": "active",
            "parent_account_id": account.parent_id,
            "root_account_id": None if account.id == root else root,
            "uuid": self._uuid(account.id),
            "default_time_zone": "America/Chicago",
        }

    def external_tools(self, account_id: int) -> list[dict]:
        base = 5000 + (account_id % 1000) * 10
        tools = [
            {
                "id": base + 1,
                "name": "Lecture Capture",
                "domain": "video.example.edu",
                "url": "https://video.example.edu/lti/launch",
                "privacy_level": "public",
                "workflow_state": "public",
                "course_navigation": {
                    "enabled": True,
                    "text": "Lectures",
                    "url": "https://video.example.edu/lti/course",
                },
                "editor_button": {
                    "enabled": True,
                    "text": "Embed a lecture",
                    "url": "https://video.example.edu/lti/embed",
                    "selection_width": 800,
                    "selection_height": 600,
                },
            },
            {
                "id": base + 2,
                "name": "Reading Lists",
                "domain": "lists.example.edu",
                "url": "https://lists.example.edu/lti",
                "privacy_level": "name_only",
                "workflow_state": "name_only",
                "course_navigation": {"enabled": False, "text": "Readings"},
                "assignment_selection": {"enabled": True, "text": "Pick a reading"},
                "submission_type_selection": {"enabled": True, "text": "Submit a reading log"},
                "post_grades": {
                    "url": "https://lists.example.edu/lti/grades",
                    "message_type": "basic-lti-launch-request",
                },
                # A placement newer than canvasframe's list: real tools carry such names.
                "ai_assistant_sidebar": {"enabled": True, "text": "Ask about the reading"},
                "custom_fields": {"course": "$Canvas.course.id"},  # a tool setting, not a placement
            },
        ]
        if account_id == self.institution.root_account.id:
            tools.append(
                {
                    "id": base + 3,
                    "name": "Plagiarism Check",
                    "domain": "check.example.com",
                    "url": "https://check.example.com/lti",
                    "privacy_level": "anonymous",
                    "workflow_state": "anonymous",
                }
            )
        return tools

    def data_services(self, account_id: int) -> list[dict]:
        if account_id != self.institution.root_account.id:
            return []
        uuid = self._uuid(account_id)
        return [
            {
                "Id": f"sub-{uuid[:8]}-1",
                "ContextType": "root_account",
                "ContextId": uuid,
                "EventTypes": ["asset_accessed", "submission_created"],
                "Format": "live-event",
                "OwnerId": self.client_id,
                "TransportType": "sqs",
                "TransportMetadata": {"Url": "https://sqs.us-east-1.amazonaws.com/1/events"},
            },
            {
                "Id": f"sub-{uuid[:8]}-2",
                "ContextType": "root_account",
                "ContextId": uuid,
                "EventTypes": ["grade_change"],
                "Format": "caliper",
                "OwnerId": self.client_id,
                "TransportType": "https",
                "TransportMetadata": {"Url": "https://analytics.example.edu/caliper"},
            },
        ]

    def view(self, account_id: int, what: str) -> Any:
        """The LTI API answer for an account, or None when the account does not exist."""
        if account_id not in self.institution.accounts:
            return None
        return {"": self.account, "external_tools": self.external_tools, "data_services": self.data_services}[what](
            account_id
        )
