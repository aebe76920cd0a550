"""A local RFC 3161 time-stamp authority: openssl `ts -reply` behind a tiny HTTP server on 127.0.0.1."""

from __future__ import annotations

import http.server
import subprocess
import threading
from pathlib import Path

CA_CNF = """[req]
distinguished_name = dn
prompt = no
[dn]
CN = Test Evidence Root CA
[v3_root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_tsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""
TSA_CNF = """[tsa]
default_tsa = tsa_config1
[tsa_config1]
dir = .
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256,sha384,sha512
accuracy = secs:1,millisecs:500,microsecs:100
ordering = yes
tsa_name = yes
ess_cert_id_alg = sha256
"""


def make_tsa(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ca.cnf").write_text(CA_CNF)
    (directory / "tsa.cnf").write_text(TSA_CNF)
    (directory / "tsaserial").write_text("01\n")
    run = lambda *args: subprocess.run(args, cwd=directory, check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "root.key", "-out", "root.pem", "-days", "3650", "-config", "ca.cnf", "-extensions", "v3_root")
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Test Evidence TSA")
    run("openssl", "x509", "-req", "-in", "tsa.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
        "-out", "tsa.pem", "-days", "3650", "-extfile", "ca.cnf", "-extensions", "v3_tsa")
    return directory


class LocalTSA:
    def __init__(self, directory: Path):
        self.directory = make_tsa(directory)
        lock = threading.Lock()
        tsa_dir = self.directory

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415)
                    return
                with lock:  # the serial file is not safe under concurrency
                    reply = subprocess.run(["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "/dev/stdin",
                                            "-out", "/dev/stdout"], input=body, cwd=tsa_dir, capture_output=True).stdout
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsr"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def behind_a_name(tsa: LocalTSA):
    """A fake-web route that hands an RFC 3161 query on to `tsa`: an authority with a public name, reached
    only through the fake web's proxy, so a test sees whether timestamp requests take the proxy."""
    import urllib.request

    from fakeweb.server import RequestInfo, Response

    def answer(request: RequestInfo) -> Response:
        ask = urllib.request.Request(tsa.url, data=request.body, headers={"Content-Type": "application/timestamp-query"})
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(ask, timeout=10) as reply:
            return Response(200, [("Content-Type", "application/timestamp-reply")], reply.read())

    return answer
