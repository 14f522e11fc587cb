"""LTI platform data: LTI Advantage client credentials, and LTI 1.1 XML tool configurations.

The loaders ``cf.load_account``, ``cf.load_external_tools`` and ``cf.load_data_services``
call Canvas's LTI API (``/api/lti/accounts/...``). Canvas accepts a tool's LTI Advantage
access token there, or a plain API token with the rights. For the first, pass a
:class:`ClientCredentials` as the token: it signs a JWT assertion with the tool's private
key, exchanges it at Canvas's token endpoint, and fetches a new access token shortly
before the old one expires. Neither the key nor any token is stored or shown.

>>> sample = cf.sample(quiet=True)
>>> client_id, private_key_pem = sample.lti_developer_key  # on your Canvas: your developer key and tool key
>>> creds = cf.lti.ClientCredentials(client_id, private_key_pem, sample.root_url)
>>> as_tool = cf.connect(sample.root_url, token=creds)
>>> cf.load_external_tools(sample.sample_account_id).name.unique().tolist()
['Lecture Capture', 'Reading Lists', 'Plagiarism Check']
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from . import _settings as defaults
from ._http import RetryPolicy, Transport, check_token, check_url
from .errors import ConfigError, ResponseFormatError, remember_secret
from .transforms.lti import PLACEMENTS

__all__ = ["DEFAULT_SCOPES", "INHERITABLE", "PLACEMENTS", "ClientCredentials", "read_tool_config"]

DEFAULT_SCOPES = (
    "https://canvas.instructure.com/lti/account_lookup/scope/show",
    "https://canvas.instructure.com/lti/account_external_tools/scope/list",
    "https://canvas.instructure.com/lti/data_services/scope/list",
)
"""The scopes :class:`ClientCredentials` asks for by default: account lookup, external tools, data services."""
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REFRESH_MARGIN = 60.0  # seconds before expiry at which a new access token is fetched


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
    session : requests.Session, optional
        Your own session (proxies, certificates) for the token requests.
    timeout : float
        Seconds to wait for Canvas's token endpoint.
    policy : RetryPolicy, optional
        How failed token requests are sent again (default: as a Canvas session).
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
        timeout: float = defaults.TOKEN_TIMEOUT,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.client_id = str(client_id)
        self.__key = private_key
        remember_secret(private_key)
        self.token_url = canvas_url.rstrip("/").removesuffix("/api/v1") + "/login/oauth2/token"
        check_url(self.token_url, "Canvas's LTI token endpoint")  # the assertion and the token must not travel in clear
        self.scopes, self.kid = tuple(scopes), kid
        self.transport = Transport(session, timeout=(timeout, timeout), policy=policy)
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

    def _form(self) -> dict[str, str]:
        return {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self._assertion(),  # a new jti each time: Canvas refuses a reused one
            "scope": " ".join(self.scopes),
        }

    def _fetch(self) -> None:
        body, _ = self.transport.send(
            "POST",
            self.token_url,
            what="Canvas's LTI token endpoint",
            data=self._form,  # built per attempt, so a retry after a lost answer is not a replay
            auth_statuses=(400, 401),
            hint="Check the client id, that Canvas has the tool's public key, the scopes, and this machine's clock.",
        )
        expected = "expected {'access_token': a token, 'expires_in': seconds above 0}"
        token = body.get("access_token") if isinstance(body, dict) else None
        lifetime = body.get("expires_in", 3600) if isinstance(body, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise ResponseFormatError(self.token_url, expected + "; access_token is not a token")
        if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or not 0 < lifetime < 10**9:
            raise ResponseFormatError(self.token_url, expected + f"; expires_in is {lifetime!r}")  # NaN fails too
        self.__token = check_token(token, "The token Canvas's LTI token endpoint issued")
        self.expires_at = time.time() + float(lifetime)
        remember_secret(self.__token)
        self.fetched += 1


# -- LTI 1.1 XML tool configuration ---------------------------------------------------------------

# The cartridge's namespace carries a version: v1p0 in most tools' files, v1p3 in Canvas's own course
# exports; every version reads alike. Child elements are matched by local name for the same reason.
_CARTRIDGE = re.compile(r"\{http://www\.imsglobal\.org/xsd/imslticc_v1p\d+\}cartridge_basiclti_link")
INHERITABLE = ("url", "text", "icon_url", "selection_width", "selection_height", "visibility")
"""What a placement may leave to the tool level: Canvas reads a placement's setting, then the
tool-level setting of the same name (``ContextExternalTool#extension_setting``), and for the URL
the tool's launch URL."""
_XML_COLUMNS = (
    "tool_name",
    "launch_url",
    "domain",
    "privacy_level",
    "placement",
    "enabled",
    *INHERITABLE,
    "inherited",
    "options",
)


def _parse_xml(xml: str | bytes | os.PathLike[str]) -> Any:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    if isinstance(xml, str):
        xml = xml.removeprefix("\ufeff")  # a byte-order mark before "<" is still XML text, not a file name
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
    if not _CARTRIDGE.fullmatch(root.tag):
        raise ConfigError(f"Expected a <cartridge_basiclti_link> LTI configuration, found <{root.tag}>.")
    return root


def _properties(element: Any) -> dict[str, str]:
    found = {}
    for p in element.findall("{*}property"):
        name = p.get("name")
        if not name:
            raise ConfigError("The tool configuration has an <lticm:property> without a name attribute.")
        found[name] = (p.text or "").strip()
    return found


def _option_name(element: Any) -> str:
    name = element.get("name")
    if not name:
        raise ConfigError("The tool configuration has an <lticm:options> placement without a name attribute.")
    return str(name)


def read_tool_config(xml: str | bytes | os.PathLike[str]) -> pd.DataFrame:
    """An LTI 1.1 extended XML tool configuration as a frame of placements (one row each), as Canvas reads it.

    Parses ``cartridge_basiclti_link`` (any ``imslticc_v1pN`` version, including the
    ``v1p3`` of Canvas's course exports) with its ``blti:`` fields and Canvas's ``lticm:``
    extensions. Like Canvas, a placement that does not set ``text``, ``icon_url``,
    ``selection_width``, ``selection_height``, ``visibility`` or ``url`` takes the
    extension-level setting of that name, and a placement without any URL uses the tool's
    launch URL (``secure_launch_url`` when given, else ``launch_url``); the ``inherited``
    column lists the values a row took that way. Hostile XML is refused with a clear
    error: a DTD, entity declarations (so no "billion laughs" expansion) and external
    entities are never processed (defusedxml).

    Parameters
    ----------
    xml : str, bytes or path
        The XML text, or a path to a ``.xml`` file.

    Returns
    -------
    pandas.DataFrame
        ``tool_name``, ``launch_url``, ``domain``, ``privacy_level``, ``placement``,
        ``enabled``, ``url``, ``text``, ``icon_url``, ``selection_width``,
        ``selection_height``, ``visibility``, ``inherited`` (a list of column names) and
        ``options`` (any other placement properties, as JSON). A tool without placements
        has one row with ``placement`` NA.

    Examples
    --------
    >>> read_tool_config("data/lti/tool.xml")[["placement", "text"]]
                 placement                     text
    0    course_navigation                 Readings
    1   account_navigation       Reading list admin
    2      user_navigation              My readings
    3        editor_button         Insert a reading
    4   resource_selection         Choose a reading
    5  homework_submission  Submit a reading report
    """
    import json

    root = _parse_xml(xml)
    text = lambda name: (root.findtext(f"{{*}}{name}") or "").strip() or None  # noqa: E731
    launch_url = text("secure_launch_url") or text("launch_url")
    extensions = root.find("{*}extensions[@platform='canvas.instructure.com']")
    tool_level = _properties(extensions) if extensions is not None else {}
    tool_level.setdefault("url", launch_url or "")
    base = {
        "tool_name": text("title"),
        "launch_url": launch_url,
        "domain": tool_level.get("domain") or None,
        "privacy_level": tool_level.get("privacy_level") or None,
    }
    rows = []
    for options in extensions.findall("{*}options") if extensions is not None else []:
        own = _properties(options)
        nested = {_option_name(o): _properties(o) for o in options.findall("{*}options")}
        inherited = sorted(k for k in INHERITABLE if not own.get(k) and tool_level.get(k))
        values = {k: own.get(k) or tool_level.get(k) or None for k in INHERITABLE}
        extra = {k: v for k, v in own.items() if k not in (*INHERITABLE, "enabled")} | nested
        rows.append(
            base
            | values
            | {
                "placement": _option_name(options),
                "enabled": own.get("enabled", "true").lower() != "false",
                "inherited": inherited,
                "options": json.dumps(extra, sort_keys=True) if extra else None,
            }
        )
    if not rows:
        rows.append(base | {"inherited": []})
    frame = pd.DataFrame(rows, columns=_XML_COLUMNS)
    for column in ("selection_width", "selection_height"):  # pixels; anything else ("1e400", "wide") is NA
        numbers = pd.to_numeric(frame[column], errors="coerce")
        frame[column] = numbers.where(numbers.abs() < 2**31).round().astype("Int64")
    frame["enabled"] = frame["enabled"].astype("boolean")
    text_columns = [c for c in _XML_COLUMNS if c not in ("enabled", "selection_width", "selection_height", "inherited")]
    return frame.astype(dict.fromkeys(text_columns, "str"))
