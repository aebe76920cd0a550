"""RFC 3161 tokens checked for `audit`: each stamps its manifest (or a pack's datapackage.json) as it is now, each
manifest still lists the records as they are, and the signature holds as of the token's own time.
"""

from __future__ import annotations

import hashlib
import os

from linkvault.errors import InputError
from linkvault.evidence.problems import MISSING
from linkvault.model import AuditResult, Problem


def _trusted_roots(tsa_roots: str | None) -> list:
    """The roots named by --tsa-roots, else this machine's (SSL_CERT_FILE, else certifi's): public
    authorities chain to them. A token those cannot vouch for is then unverified, not altered; only
    roots the auditor names turn a failed signature into a finding."""
    import warnings

    from cryptography import x509

    path = tsa_roots
    if path is None:
        import certifi

        path = os.environ.get("SSL_CERT_FILE") or certifi.where()
    try:
        with open(path, "rb") as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a public bundle holds old roots cryptography grumbles about
            return x509.load_pem_x509_certificates(fh.read())
    except (OSError, ValueError) as exc:
        if tsa_roots is not None:
            raise InputError(f"no PEM certificates can be read from it ({exc})", path=tsa_roots) from exc
        return []


def audit_timestamps(evidence: dict[str, bytes], digests: dict[str, str | None], result: AuditResult,
                      tokens: Tokens) -> set[str]:
    """Each token stamps its manifest's bytes, and each manifest still lists the records as they are.
    Returns the ids of the records a token stamps (through their manifest)."""
    import json

    stamped: set[str] = set()
    for uri, manifest in evidence.items():
        if not uri.startswith("urn:evidence:manifest:"):
            continue
        run = uri.rsplit(":", 1)[-1]
        for entry in json.loads(manifest).get("records", []):
            if entry["id"] in digests and digests[entry["id"]] != entry["block_digest"]:
                result.problems.append(Problem(f"manifest {run}", f"lists record {entry['id']} with another digest"))
            elif entry["id"] not in digests:
                result.problems.append(Problem(f"manifest {run}", f"lists record {entry['id']}, which is gone", MISSING))
        checks = [tokens.check(evidence[token_uri], manifest, token_uri, "its manifest", result)
                  for token_uri in sorted(u for u in evidence if u.startswith(f"urn:evidence:rfc3161:{run}:"))]
        if any(checks):
            stamped.update(entry["id"] for entry in json.loads(manifest).get("records", []))
    return stamped


class Tokens:
    """Checks RFC 3161 tokens: the document they stamp, then the signature as of the token's own time."""

    def __init__(self, tsa_roots: str | None):
        self.explicit = tsa_roots is not None
        # The machine's roots are read on the first token: most audits of a vault without timestamps need none.
        self.roots = _trusted_roots(tsa_roots) if self.explicit else None

    def check(self, token: bytes, document: bytes, where: str, what: str, result: AuditResult) -> bool:
        """Whether the token stamps `document` (problems found are added to `result`)."""
        from rfc3161_client import VerifierBuilder, decode_timestamp_response

        result.timestamps += 1
        try:
            response = decode_timestamp_response(token)
        except Exception as exc:
            result.problems.append(Problem(where, f"is not a timestamp token ({exc})"))
            return False
        if response.tst_info.message_imprint.message != hashlib.sha256(document).digest():
            result.problems.append(Problem(where, f"stamps another document than {what} (foreign or altered)"))
            return False
        if self.roots is None:
            self.roots = _trusted_roots(None)
        if not self.roots:
            result.unchecked_signatures += 1
            return True
        try:  # validated at the token's own time, as long-term evidence needs
            builder = VerifierBuilder()
            for root in self.roots:
                builder = builder.add_root_certificate(root)
            builder.build().verify_message(response, document)
        except Exception as exc:
            if self.explicit:
                result.problems.append(Problem(where, f"does not verify against --tsa-roots ({exc})"))
                return False
            result.unchecked_signatures += 1
        return True
