"""The screenshot browser's TLS, checked against the egress policy's trust store instead of Chromium's.

Chromium reads neither `--ca-bundle` nor `SSL_CERT_FILE`, and behind a TLS-intercepting proxy it would
refuse every certificate (or, told to ignore errors, accept any). So when the user names their own
CA certificates, the egress ends the browser's TLS itself: it opens the real connection with the
policy's SSL context (the same checks as the fetcher's), and shows the browser a certificate for the
same host from a throwaway CA of this browser run, which Chromium is told to accept by its key
(`--ignore-certificate-errors-spki-list`; the CA travels in the chain, where Chromium looks for it).
A site the policy does not trust is never shown to the browser.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
import socket
import ssl
import tempfile
import threading
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TLS_HANDSHAKE = 0x16  # the first byte of a TLS record carrying a ClientHello


class BrowserTLS:
    """A CA for one browser run; one certificate per host, made when the browser first asks for it."""

    def __init__(self, trust: ssl.SSLContext):
        self.trust = trust  # the policy's own context (a copy of its settings: never mutated here)
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "linkvault screenshot egress (one run only)")])
        self._ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self._key.public_key())
                    .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
                    .not_valid_after(now + timedelta(days=2))
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .sign(self._key, hashes.SHA256()))
        spki = self._ca.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        self.spki = base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")
        self._dir = tempfile.TemporaryDirectory(prefix="linkvault-tls-")
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self.untrusted: list[str] = []  # host: why, for every site the policy's trust store refused

    def close(self) -> None:
        self._dir.cleanup()

    def _context_for(self, host: str) -> ssl.SSLContext:
        with self._lock:
            if host not in self._contexts:
                try:
                    alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
                except ValueError:
                    alt = x509.DNSName(host)
                now = datetime.now(timezone.utc)
                leaf = (x509.CertificateBuilder()
                        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])]))
                        .issuer_name(self._ca.subject).public_key(self._key.public_key())
                        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
                        .not_valid_after(now + timedelta(days=1))
                        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
                        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                        .sign(self._key, hashes.SHA256()))
                path = os.path.join(self._dir.name, f"{len(self._contexts)}.pem")
                with open(path, "wb") as fh:
                    fh.write(self._key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
                    fh.write(leaf.public_bytes(serialization.Encoding.PEM))
                    fh.write(self._ca.public_bytes(serialization.Encoding.PEM))
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(path)
                context.set_alpn_protocols(["http/1.1"])  # the upstream side speaks HTTP/1.1 too
                self._contexts[host] = context
            return self._contexts[host]

    def bridge(self, client: socket.socket, upstream: socket.socket, host: str) -> tuple[socket.socket, socket.socket] | None:
        """When the browser starts TLS in this tunnel: the site's TLS checked by the policy, then the browser's
        ended here. None (both left to be closed) when the site's certificate is not trusted."""
        if client.recv(1, socket.MSG_PEEK)[:1] != bytes([TLS_HANDSHAKE]):
            return client, upstream  # not TLS (a plain WebSocket through CONNECT): bytes pass as they are
        try:
            upstream = self.trust.wrap_socket(upstream, server_hostname=host)
        except ssl.SSLCertVerificationError as exc:
            self.untrusted.append(f"{host}: {exc.verify_message or exc.reason}")
            return None
        except (ssl.SSLError, OSError):
            return None
        try:
            client = self._context_for(host).wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            upstream.close()
            return None
        return client, upstream
