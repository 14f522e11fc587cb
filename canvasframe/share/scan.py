"""What must never be in a shared bundle, looked for in every file it would hold (a notebook's outputs too).

* the session's token and any secret canvasframe holds (by value);
* anything shaped like a Canvas access token (``<digits>~<40+ letters and digits>``) or an
  ``Authorization:`` / ``Bearer`` header;
* e-mail addresses;
* people's names (the roster's, given by the caller);
* raw person ids: the ids the frames held before pseudonymisation (course and assignment ids may
  stay). A raw id is looked for as a whole number in text and in every cell of a data file, so a
  count that happens to equal a person's id is reported too: read the finding, then rename or
  round that count.

A finding names the file, the line and the kind, never the secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..errors import holds_known_secret

__all__ = ["findings"]

_TOKEN_SHAPE = re.compile(r"\b\d{1,12}~[A-Za-z0-9]{40,}\b")
_AUTH_HEADER = re.compile(r"(?i)\bauthorization\s*[:=]|\bbearer\s+[A-Za-z0-9~._\-]{8,}")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
_NUMBER = re.compile(r"(?<![\w.])\d{3,19}(?![\w.])")


def findings(files: Mapping[str, bytes], *, names: Iterable[str] = (), person_ids: Iterable[int] = ()) -> list[str]:
    """Every line of every file that holds something the bundle must not publish, as ``file:line: kind``."""
    people = {str(int(p)) for p in person_ids}
    patterns = [re.compile(rf"(?i)(?<!\w){re.escape(n.strip())}(?!\w)") for n in names if len(n.strip()) >= 3]
    found: list[str] = []
    for name, data in sorted(files.items()):
        text = data.decode("utf-8", "replace")  # pragma: no mutate ("UTF-8" names the same codec)
        for number, line in enumerate(text.splitlines(), start=1):
            where = f"{name}:{number}"
            if holds_known_secret(line):
                found.append(f"{where}: the session's token or another secret canvasframe holds")
            if _TOKEN_SHAPE.search(line):
                found.append(f"{where}: something shaped like a Canvas access token")
            if _AUTH_HEADER.search(line):
                found.append(f"{where}: an Authorization header or Bearer token")
            if _EMAIL.search(line):
                found.append(f"{where}: an e-mail address")
            if any(p.search(line) for p in patterns):
                found.append(f"{where}: a person's name from the roster")
            if people and any(n in people for n in _NUMBER.findall(line)):
                found.append(f"{where}: a raw person id (a student's or user's id before pseudonymisation)")
    return found
