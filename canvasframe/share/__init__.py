"""Sharing data with a paper: disclosure control, and a bundle a journal and an ethics board accept.

* :func:`bundle` writes frames (pseudonymised) and suppressed tables as a Frictionless Data Package
  with a codebook, a manifest and a README, after checking k-anonymity and that no file holds a
  token, an e-mail address, a name or a raw person id;
* :func:`suppress`, :func:`k_anonymity`, :func:`top_code`, :func:`bottom_code`: disclosure control;
* :func:`verify` checks a bundle's hashes; :func:`rebuild` re-runs the pulls its manifest names.
"""

from .disclosure import KAnonymity, bottom_code, k_anonymity, suppress, top_code
from .manifest import rebuild, verify
from .package import DEFAULT_QUASI_IDENTIFIERS, bundle

__all__ = [
    "DEFAULT_QUASI_IDENTIFIERS",
    "KAnonymity",
    "bottom_code",
    "bundle",
    "k_anonymity",
    "rebuild",
    "suppress",
    "top_code",
    "verify",
]
