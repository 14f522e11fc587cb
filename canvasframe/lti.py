"""LTI platform data: LTI Advantage client credentials, and LTI 1.1 XML tool configurations.

The loaders ``cf.load_account``, ``cf.load_external_tools`` and ``cf.load_data_services``
call Canvas's LTI API (``/api/lti/accounts/...``). Canvas accepts a tool's LTI Advantage
access token there, or a plain API token with the rights. For the first, pass a
:class:`ClientCredentials` as the token: it signs a JWT assertion with the tool's private
key, exchanges it at Canvas's token endpoint, and fetches a new access token shortly
before the old one expires. Neither the key nor any token is stored or shown.

>>> creds = cf.lti.ClientCredentials("10000000000001", private_key_pem, "https://canvas.example.edu")  # doctest: +SKIP
>>> canvas = cf.connect("https://canvas.example.edu", token=creds)  # doctest: +SKIP
>>> cf.load_external_tools(1)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from .client import raise_for_response
from .errors import ConfigError, NetworkError, ResponseFormatError
from .schemas import SCHEMAS, to_frame, to_table
from .transforms import _column, _records, as_bool, as_id, as_int, as_str

__all__ = ["DEFAULT_SCOPES", "PLACEMENTS", "ClientCredentials", "read_tool_config"]

DEFAULT_SCOPES = (
    "https://canvas.instructure.com/lti/account_lookup/scope/show",
    "https://canvas.instructure.com/lti/account_external_tools/scope/list",
    "https://canvas.instructure.com/lti/data_services/scope/list",
)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REFRESH_MARGIN = 60.0  # seconds before expiry at which a new access token is fetched
PLACEMENTS = (
    "account_navigation",
    "assignment_selection",
    "course_home_sub_navigation",
    "course_navigation",
    "editor_button",
    "global_navigation",
    "homework_submission",
    "link_selection",
    "migration_selection",
    "resource_selection",
    "user_navigation",
)


class ClientCredentials:
    """An LTI Advantage tool's client-credentials grant, usable wherever a token is.

    Parameters
    ----------
    client_id : str
        The developer key's client id.
    private_key : str or bytes
        The tool's RSA private key (PEM) whose public half Canvas has.
    canvas_url : str
        The Canvas base URL; the token endpoint is ``<canvas_url>/login/oauth2/token``.
    scopes : sequence of str
        Scopes to ask for (default: account lookup, external tools, data services).
    kid : str, optional
        Key id for the JWT header, when the developer key uses a JWK set.
    """

    def __init__(
        self,
        client_id: str,
        private_key: str | bytes,
        canvas_url: str,
        *,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        kid: str | None = None,
        session: requests.Session | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.client_id = str(client_id)
        self.__key = private_key
        self.token_url = canvas_url.rstrip("/").removesuffix("/api/v1") + "/login/oauth2/token"
        self.scopes, self.kid = tuple(scopes), kid
        self.session, self.timeout = session or requests.Session(), timeout
        self.__token: str | None = None
        self.expires_at = 0.0
        self.fetched = 0  # access tokens fetched so far (refreshes show up here)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, key=[secure], token=[secure])"

    def __getstate__(self) -> None:
        raise TypeError("ClientCredentials hold a private key and cannot be pickled.")

    def _assertion(self) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.token_url,
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        }
        headers = {"kid": self.kid} if self.kid else None
        try:
            return jwt.encode(claims, self.__key, algorithm="RS256", headers=headers)
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise ConfigError(
                f"Cannot sign the LTI client assertion with the private key given ({type(exc).__name__}); "
                "pass the tool's RSA private key in PEM form."
            ) from None

    def __call__(self) -> str:
        """The current access token, fetched or refreshed when it is missing or about to expire."""
        with self._lock:
            if self.__token is None or time.time() > self.expires_at - REFRESH_MARGIN:
                self._fetch()
            return self.__token  # type: ignore[return-value]

    def _fetch(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self._assertion(),
            "scope": " ".join(self.scopes),
        }
        try:
            response = self.session.post(self.token_url, data=form, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise NetworkError(None, self.token_url, detail=type(exc).__name__) from None
        raise_for_response(
            response,
            auth_statuses=(400, 401),
            hint=("Check the client id, that Canvas has the tool's public key, the scopes, and this machine's clock."),
        )
        try:
            body = response.json()
            token, lifetime = body["access_token"], float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise ResponseFormatError(self.token_url, "expected {'access_token': ..., 'expires_in': ...}") from None
        self.__token, self.expires_at = str(token), time.time() + lifetime
        self.fetched += 1


# -- transforms (pure) ---------------------------------------------------------------------------


def account(payload: Any, *, account_id: int, source: str = "LTI account") -> pd.DataFrame:
    """``/api/lti/accounts/:id`` -> one row."""
    rows = _records([payload] if isinstance(payload, dict) else payload, source)
    columns = {
        "account_id": [account_id] * len(rows),
        "name": _column(rows, "name", as_str, source),
        "workflow_state": _column(rows, "workflow_state", as_str, source),
        "parent_account_id": _column(rows, "parent_account_id", as_int, source, default=None),
        "root_account_id": _column(rows, "root_account_id", as_int, source, default=None),
        "uuid": _column(rows, "uuid", as_str, source),
        "default_time_zone": _column(rows, "default_time_zone", as_str, source),
    }
    return to_frame(to_table(columns, "account"))


def external_tools(payload: Any, *, account_id: int, source: str = "external tools") -> pd.DataFrame:
    """``/api/lti/accounts/:id/external_tools`` -> one row per tool × placement (NA placement when it has none)."""
    rows = []
    for tool in _records(payload, source):
        base = {
            "account_id": account_id,
            "tool_id": as_id(tool.get("id"), "id", source),
            "name": as_str(tool.get("name"), "name", source),
            "domain": as_str(tool.get("domain"), "domain", source),
            "url": as_str(tool.get("url"), "url", source),
            "privacy_level": as_str(tool.get("privacy_level"), "privacy_level", source),
        }
        placements = [(name, value) for name, value in tool.items() if name in PLACEMENTS and isinstance(value, dict)]
        if not placements:
            rows.append(base | {"placement": None, "enabled": None, "text": None, "placement_url": None})
        for name, value in sorted(placements):
            rows.append(
                base
                | {
                    "placement": name,
                    "enabled": as_bool(value.get("enabled", True), "enabled", source),
                    "text": as_str(value.get("text"), "text", source),
                    "placement_url": as_str(value.get("url") or value.get("target_link_uri"), "url", source),
                }
            )
    columns = {name: [r[name] for r in rows] for name in SCHEMAS["external_tools"].names}
    return to_frame(to_table(columns, "external_tools"))


def data_services(payload: Any, *, account_id: int, source: str = "data services") -> pd.DataFrame:
    """``/api/lti/accounts/:id/data_services`` -> one row per live-events subscription."""
    rows = _records(payload, source)
    metadata = [r.get("TransportMetadata") if isinstance(r.get("TransportMetadata"), dict) else {} for r in rows]
    events = []
    for r in rows:
        value = r.get("EventTypes") or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ResponseFormatError(source, "EventTypes is not a list of event names", value)
        events.append(value)
    columns = {
        "account_id": [account_id] * len(rows),
        "subscription_id": _column(rows, "Id", as_str, source),
        "context_type": _column(rows, "ContextType", as_str, source),
        "context_id": _column(rows, "ContextId", as_str, source),
        "event_types": events,
        "transport_type": _column(rows, "TransportType", as_str, source),
        "target_url": [as_str(m.get("Url"), "TransportMetadata.Url", source) for m in metadata],
        "format": _column(rows, "Format", as_str, source),
        "owner_id": _column(rows, "OwnerId", as_str, source),
    }
    return to_frame(to_table(columns, "data_services"))


# -- LTI 1.1 XML tool configuration ---------------------------------------------------------------

_NS = {
    "cc": "http://www.imsglobal.org/xsd/imslticc_v1p0",
    "blti": "http://www.imsglobal.org/xsd/imsbasiclti_v1p0",
    "lticm": "http://www.imsglobal.org/xsd/imslticm_v1p0",
}
_PLACEMENT_FIELDS = ("url", "text", "enabled", "visibility", "selection_width", "selection_height", "icon_url")


def read_tool_config(xml: str | bytes | os.PathLike[str]) -> pd.DataFrame:
    """An LTI 1.1 extended XML tool configuration as a frame of placements (one row each).

    Parses ``cartridge_basiclti_link`` with its ``blti:`` fields and Canvas's ``lticm:``
    extensions. Hostile XML is refused with a clear error: a DTD, entity declarations
    (so no "billion laughs" expansion) and external entities are never processed
    (defusedxml).

    Parameters
    ----------
    xml : str, bytes or path
        The XML text, or a path to a ``.xml`` file.

    Returns
    -------
    pandas.DataFrame
        ``tool_name``, ``launch_url``, ``domain``, ``privacy_level``, ``placement``,
        ``enabled``, ``url``, ``text``, ``visibility``, ``selection_width``,
        ``selection_height``, ``icon_url`` and ``options`` (any other placement
        properties, as JSON).

    Examples
    --------
    >>> read_tool_config("data/lti/tool.xml")[["placement", "text"]]  # doctest: +SKIP
    """
    import json

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    if isinstance(xml, os.PathLike) or (isinstance(xml, str) and not xml.lstrip().startswith("<")):
        path = Path(xml)
        if not path.exists():
            raise ConfigError(f"No tool configuration at {path}; pass the XML text or a path to a .xml file.")
        xml = path.read_bytes()
    try:
        root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ConfigError(
            f"Refusing this XML tool configuration: it declares a DTD or entities ({type(exc).__name__}), "
            "which can expand without bound or read local files. Remove the DOCTYPE."
        ) from None
    except ParseError as exc:
        raise ConfigError(f"The tool configuration is not well-formed XML ({exc}).") from None
    if root.tag != f"{{{_NS['cc']}}}cartridge_basiclti_link":
        raise ConfigError(f"Expected a <cartridge_basiclti_link> LTI configuration, found <{root.tag}>.")
    text = lambda path: (root.findtext(path, namespaces=_NS) or "").strip() or None  # noqa: E731
    tool = {"tool_name": text("blti:title"), "launch_url": text("blti:launch_url") or text("blti:secure_launch_url")}
    extensions = root.find("blti:extensions[@platform='canvas.instructure.com']", _NS)
    properties = {}
    rows = []
    if extensions is not None:
        properties = {p.get("name"): (p.text or "").strip() for p in extensions.findall("lticm:property", _NS)}
        for options in extensions.findall("lticm:options", _NS):
            values = {p.get("name"): (p.text or "").strip() for p in options.findall("lticm:property", _NS)}
            nested = {
                o.get("name"): {p.get("name"): (p.text or "").strip() for p in o.findall("lticm:property", _NS)}
                for o in options.findall("lticm:options", _NS)
            }
            extra = {k: v for k, v in values.items() if k not in _PLACEMENT_FIELDS} | nested
            rows.append(
                {
                    "placement": options.get("name"),
                    "enabled": values.get("enabled", "true").lower() != "false",
                    **{k: values.get(k) for k in _PLACEMENT_FIELDS if k != "enabled"},
                    "options": json.dumps(extra, sort_keys=True) if extra else None,
                }
            )
    base = tool | {"domain": properties.get("domain"), "privacy_level": properties.get("privacy_level")}
    frame = pd.DataFrame([base | r for r in rows] or [base], columns=_XML_COLUMNS)
    for column in ("selection_width", "selection_height"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    frame["enabled"] = frame["enabled"].astype("boolean")
    return frame.astype({c: "str" for c in _XML_COLUMNS if c not in ("enabled", "selection_width", "selection_height")})


_XML_COLUMNS = (
    "tool_name",
    "launch_url",
    "domain",
    "privacy_level",
    "placement",
    "enabled",
    "url",
    "text",
    "visibility",
    "selection_width",
    "selection_height",
    "icon_url",
    "options",
)
