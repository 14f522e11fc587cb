"""The sandbox's xAPI side: Canvas's xAPI callback (OAuth 1.0a checked) and a minimal LRS.

Callback: ``POST /api/lti/v1/xapi/<opaque token>``, as Canvas hands a tool in
``$Canvas.xapi.url``. The body must be ``application/json`` (415 otherwise);
the OAuth 1.0a HMAC-SHA1 signature, body hash, timestamp (±90 min) and nonce
(never reused) are checked (401 otherwise); a good statement becomes one page
view for the token's student in the hour of the statement's timestamp (the
time it arrived, without one), with the duration capped at 5 minutes (5 s when
absent) and answered 200 with an empty body.

LRS: ``GET /xapi/statements`` (HTTP Basic auth, ``X-Experience-API-Version``
required) with ``since``, ``until``, ``verb``, ``activity``, ``agent``,
``limit`` and ``ascending``, paged through a relative ``more`` URL; ``POST
/xapi/statements`` stores statements.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import isodate
import numpy as np
from oauthlib.oauth1.rfc5849 import signature, utils

from .institution import Institution

MAX_SKEW = timedelta(minutes=90)
CAPPED = timedelta(minutes=5)
DEFAULT = timedelta(seconds=5)


class XapiService:
    """State and handlers for the callback and the LRS of one sandbox server."""

    def __init__(self, institution: Institution, lock: threading.Lock, *, consumer_key: str = "sandbox-tool",
                 shared_secret: str = "sandbox-tool-secret", lrs_auth: tuple[str, str] = ("lrs-key", "lrs-secret"),
                 page_size: int = 50) -> None:  # fmt: skip
        self.institution, self._lock = institution, lock
        self.consumer_key, self.shared_secret = consumer_key, shared_secret
        self.lrs_auth, self.page_size = lrs_auth, page_size
        self._tokens: dict[str, tuple[int, int]] = {}
        self._nonces: set[str] = set()
        self.statements: list[dict] = []  # the LRS's store
        self.recorded: list[dict] = []  # page views made by the callback: course, student, hour, seconds

    # -- callback ---------------------------------------------------------------------------

    def callback_path(self, course_id: int, student_id: int) -> str:
        """The opaque path Canvas would put in ``$Canvas.xapi.url`` for this student's launch."""
        digest = hashlib.sha256(f"{self.institution.config.seed}:{course_id}:{student_id}".encode()).hexdigest()
        with self._lock:
            self._tokens[digest[:40]] = (course_id, student_id)
        return f"/api/lti/v1/xapi/{digest[:40]}"

    def callback(self, token: str, url: str, headers: Any, body: bytes) -> tuple[int, dict | None]:
        context = self._tokens.get(token)
        if context is None:
            return 404, {"errors": [{"message": "The specified resource does not exist."}]}
        if headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            return 415, {"errors": [{"message": "Content-Type must be application/json"}]}
        problem = self._check_oauth(url, headers.get("Authorization", ""), body)
        if problem:
            return 401, {"errors": [{"message": problem}]}
        try:
            stmt = json.loads(body)
            page_url = stmt["object"]["id"]
        except (ValueError, KeyError, TypeError):
            return 400, {"errors": [{"message": "the statement needs object.id"}]}
        raw = (stmt.get("result") or {}).get("duration")
        try:
            seconds = min(isodate.parse_duration(raw), CAPPED) if raw else DEFAULT
        except (isodate.ISO8601Error, TypeError):
            return 400, {"errors": [{"message": "result.duration is not an ISO 8601 duration"}]}
        when = _parse_time(stmt.get("timestamp")) or datetime.now(timezone.utc)
        self._record(*context, when, seconds.total_seconds(), page_url)
        return 200, None

    def _check_oauth(self, url: str, authorization: str, body: bytes) -> str | None:
        if not authorization.startswith("OAuth "):
            return "missing OAuth Authorization header"
        # Header values arrive percent-encoded (RFC 5849 section 3.5.1).
        params = [(utils.unescape(k), utils.unescape(v)) for k, v in utils.parse_authorization_header(authorization)]
        oauth = dict(params)
        if oauth.get("oauth_consumer_key") != self.consumer_key:
            return "unknown consumer key"
        if oauth.get("oauth_signature_method") != "HMAC-SHA1":
            return "signature method must be HMAC-SHA1"
        try:
            stamp = datetime.fromtimestamp(int(oauth.get("oauth_timestamp", "")), timezone.utc)
        except ValueError:
            return "bad oauth_timestamp"
        if abs(datetime.now(timezone.utc) - stamp) > MAX_SKEW:
            return "oauth_timestamp is too far from now"
        expected_hash = base64.b64encode(hashlib.sha1(body).digest()).decode()
        if oauth.get("oauth_body_hash") != expected_hash:
            return "oauth_body_hash does not match the body"
        query = parse_qsl(urlsplit(url).query)
        signed = [(k, v) for k, v in params if k != "oauth_signature"] + query
        base = signature.signature_base_string("POST", signature.base_string_uri(url),
                                               signature.normalize_parameters(signed))  # fmt: skip
        # RFC 5849 section 3.4.2: key = escaped consumer secret & escaped token secret (none here).
        key = f"{utils.escape(self.shared_secret)}&".encode()
        good = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(good, oauth.get("oauth_signature", "")):
            return "invalid OAuth signature"
        nonce = oauth.get("oauth_nonce", "")
        with self._lock:
            if not nonce or nonce in self._nonces:
                return "oauth_nonce was already used"
            self._nonces.add(nonce)
        return None

    def _record(self, course_id: int, student_id: int, when: datetime, seconds: float, url: str) -> None:
        enrollment = self.institution.courses[course_id].enrollments[student_id]
        hour = int(when.timestamp()) // 3600 * 3600
        with self._lock:
            at = int(np.searchsorted(enrollment.hours, hour))
            if at < len(enrollment.hours) and enrollment.hours[at] == hour:
                enrollment.views[at] += 1
            else:
                enrollment.hours = np.insert(enrollment.hours, at, hour)
                enrollment.views = np.insert(enrollment.views, at, 1)
            self.recorded.append({"course_id": course_id, "student_id": student_id, "hour": hour,
                                  "seconds": seconds, "url": url})  # fmt: skip

    # -- LRS --------------------------------------------------------------------------------------

    def _lrs_refusal(self, headers: Any) -> tuple[int, dict] | None:
        expected = "Basic " + base64.b64encode(":".join(self.lrs_auth).encode()).decode()
        if not hmac.compare_digest(headers.get("Authorization", ""), expected):
            return 401, {"error": "bad LRS credentials"}
        if not headers.get("X-Experience-API-Version", "").startswith("1.0"):
            return 400, {"error": "X-Experience-API-Version header is required"}
        return None

    def lrs_post(self, headers: Any, body: bytes) -> tuple[int, Any]:
        refusal = self._lrs_refusal(headers)
        if refusal:
            return refusal
        try:
            incoming = json.loads(body)
        except ValueError:
            return 400, {"error": "body is not JSON"}
        incoming = incoming if isinstance(incoming, list) else [incoming]
        stored = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self._lock:
            for stmt in incoming:
                stmt.setdefault("stored", stored)
                self.statements.append(stmt)
        return 200, [s.get("id") for s in incoming]

    def lrs_get(self, headers: Any, query: dict[str, str]) -> tuple[int, Any]:
        refusal = self._lrs_refusal(headers)
        if refusal:
            return refusal
        with self._lock:
            rows = list(self.statements)
        agent = json.loads(query["agent"]) if "agent" in query else None
        since, until = _parse_time(query.get("since")), _parse_time(query.get("until"))
        rows = [
            s for s in rows
            if (not query.get("verb") or (s.get("verb") or {}).get("id") == query["verb"])
            and (not query.get("activity") or (s.get("object") or {}).get("id") == query["activity"])
            and (agent is None or _same_agent(s.get("actor"), agent))
            and (since is None or (_parse_time(s.get("stored")) or since) > since)
            and (until is None or (_parse_time(s.get("stored")) or until) <= until)
        ]  # fmt: skip
        rows.sort(key=lambda s: s.get("stored") or "", reverse=query.get("ascending") != "true")
        limit = min(int(query.get("limit") or self.page_size), self.page_size) or self.page_size
        start = int(query.get("cursor", 0))
        page = rows[start : start + limit]
        more = ""
        if start + limit < len(rows):
            rest = {k: v for k, v in query.items() if k != "cursor"} | {"cursor": start + limit}
            more = f"/xapi/statements?{urlencode(rest)}"
        return 200, {"statements": page, "more": more}


def _same_agent(actor: Any, agent: dict) -> bool:
    if not isinstance(actor, dict):
        return False
    keys = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in agent]
    return bool(keys) and all(actor.get(k) == agent[k] for k in keys)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
