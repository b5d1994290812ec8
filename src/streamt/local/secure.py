"""The secure profile of a local stack (`streamt local up --secure`).

Kafka listens with SASL_SSL (SCRAM-SHA-512) on a certificate of a CA made on this machine,
the registry's Confluent API is served over HTTPS with basic auth (by streamt's proxy, the
only door the stack opens for it), and Connect's worker and its connectors' clients talk to
Kafka over SASL_SSL. Everything lives under `<home>/secure/` (0700): the CA and the server's
key and certificate (`openssl`), and the credentials, generated once per home and stored 0600
(`credentials.json`; the SCRAM users reach the broker as salted passwords at storage format,
never as a command-line password). A home made secure stays secure: the directory's presence
is the profile.

What a project needs to point at the stack is written next to them: `runtime.yml` (the
`runtime:` block, passwords as `${VAR}` references) and `streamt.env` (0600, those variables'
values, for the project's `.env`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from streamt.config import jaas
from streamt.diagnostics import Diagnostic, StreamtError

MECHANISM = "SCRAM-SHA-512"
SCRAM_ITERATIONS = 8192
SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"
BROKER_USER, CONNECT_USER, CLIENT_USER = "broker", "connect", "streamt"
KAFKA_PASSWORD_VAR = "STREAMT_LOCAL_KAFKA_PASSWORD"
REGISTRY_PASSWORD_VAR = "STREAMT_LOCAL_REGISTRY_PASSWORD"
CERT_DAYS = 825


@dataclass(frozen=True)
class Credentials:
    """The passwords of one secure home: Kafka's SCRAM users and the registry's one user."""

    kafka: Mapping[str, str]  # user -> password (BROKER_USER, CONNECT_USER, CLIENT_USER)
    registry_user: str
    registry_password: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "kafka": dict(self.kafka),
                "registry": {"user": self.registry_user, "password": self.registry_password},
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Credentials:
        data = json.loads(text)
        return cls(dict(data["kafka"]), data["registry"]["user"], data["registry"]["password"])


@dataclass(frozen=True)
class SecureFiles:
    """Where a secure home keeps its material."""

    root: Path

    @property
    def ca_cert(self) -> Path:
        return self.root / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.root / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.root / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.root / "server.key"

    @property
    def server_pem(self) -> Path:
        """The broker's PEM key store: its PKCS#8 key, then its certificate chain."""
        return self.root / "server.pem"

    @property
    def credentials(self) -> Path:
        return self.root / "credentials.json"

    @property
    def registry_users(self) -> Path:
        """`user:password`, read by the registry proxy."""
        return self.root / "registry-users"

    @property
    def runtime(self) -> Path:
        return self.root / "runtime.yml"

    @property
    def env(self) -> Path:
        return self.root / "streamt.env"


def secure_files(home: Path) -> SecureFiles:
    return SecureFiles(home / "secure")


def is_secure_home(home: Path) -> bool:
    return secure_files(home).credentials.exists()


def new_credentials() -> Credentials:
    def password() -> str:
        return secrets.token_urlsafe(24)

    users = (BROKER_USER, CONNECT_USER, CLIENT_USER)
    return Credentials({u: password() for u in users}, CLIENT_USER, password())


def read_credentials(home: Path) -> Credentials:
    return Credentials.from_json(secure_files(home).credentials.read_text())


def ensure_material(home: Path) -> Credentials:
    """The home's credentials and TLS files, made once (and never replaced while present)."""
    files = secure_files(home)
    files.root.mkdir(parents=True, exist_ok=True)
    files.root.chmod(0o700)
    if files.credentials.exists():
        creds = read_credentials(home)
    else:
        creds = new_credentials()
        write_private(files.credentials, creds.to_json())
    if not files.server_pem.exists():
        _make_certificates(files)
    write_private(files.registry_users, f"{creds.registry_user}:{creds.registry_password}\n")
    return creds


def write_private(path: Path, text: str) -> Path:
    """Write `text` to a file only its owner can read (created 0600, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    path.chmod(0o600)
    return path


def _make_certificates(files: SecureFiles) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise StreamtError(
            Diagnostic(
                "C070",
                "the secure profile needs `openssl` to make its certificate authority",
                hint="install OpenSSL (e.g. `apt-get install openssl`) and run the command again",
            )
        )
    ext = files.root / "server.ext"
    ext.write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
    )
    csr = files.root / "server.csr"
    rsa = ("-newkey", "rsa:2048", "-nodes")
    steps = [
        ("req", "-x509", *rsa, "-keyout", str(files.ca_key), "-out", str(files.ca_cert),
         "-days", str(CERT_DAYS), "-subj", "/CN=streamt local CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"),
        ("req", *rsa, "-keyout", str(files.server_key), "-out", str(csr),
         "-subj", "/CN=localhost"),
        ("x509", "-req", "-in", str(csr), "-CA", str(files.ca_cert), "-CAkey", str(files.ca_key),
         "-set_serial", str(secrets.randbits(63)), "-days", str(CERT_DAYS),
         "-extfile", str(ext), "-out", str(files.server_cert)),
    ]  # fmt: skip
    for step in steps:
        proc = subprocess.run([openssl, *step], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
            raise StreamtError(
                Diagnostic(
                    "C070",
                    f"`openssl {step[0]}` failed making the secure profile's certificates:\n{tail}",
                    hint=f"remove {files.root} and run the command again",
                )
            )
    for key in (files.ca_key, files.server_key):
        key.chmod(0o600)
    chain = files.server_key.read_text() + files.server_cert.read_text() + files.ca_cert.read_text()
    write_private(files.server_pem, chain)
    csr.unlink()
    ext.unlink()


def scram_argument(
    user: str, password: str, salt: bytes, iterations: int = SCRAM_ITERATIONS
) -> str:
    """`kafka-storage format --add-scram` value of one user as a salted password (RFC 5802's
    Hi(): PBKDF2 with HMAC-SHA-512), so the password itself is never on a command line."""
    salted = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    b64 = base64.b64encode
    return (
        f"{MECHANISM}=[name={user},iterations={iterations},"
        f'salt="{b64(salt).decode()}",saltedpassword="{b64(salted).decode()}"]'
    )


def scram_arguments(creds: Credentials) -> list[str]:
    """`--add-scram X` for each Kafka user, each with a fresh random salt."""
    out: list[str] = []
    for user, password in sorted(creds.kafka.items()):
        out += ["--add-scram", scram_argument(user, password, secrets.token_bytes(32))]
    return out


def java_client(
    files: SecureFiles, user: str, password: str, module: str = SCRAM_LOGIN
) -> dict[str, str]:
    """A Java Kafka client's SASL_SSL settings as `user` (the JAAS values escaped)."""
    return {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": MECHANISM,
        "sasl.jaas.config": jaas.login(module, {"username": user, "password": password}),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(files.ca_cert),
    }


def librdkafka_client(home: Path, user: str = CLIENT_USER) -> dict[str, str]:
    """A confluent_kafka client's SASL_SSL settings for the home's stack."""
    creds = read_credentials(home)
    return {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": MECHANISM,
        "sasl.username": user,
        "sasl.password": creds.kafka[user],
        "ssl.ca.location": str(secure_files(home).ca_cert),
    }


def properties_text(pairs: Mapping[str, str]) -> str:
    """Java `.properties` lines, each value escaped so that it reads back as written."""

    def esc(text: str, key: bool = False) -> str:
        out = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        out = out.replace("\t", "\\t")
        if key:
            out = out.replace("=", "\\=").replace(":", "\\:").replace(" ", "\\ ")
        return "\\ " + out[1:] if out.startswith(" ") else out

    return "".join(f"{esc(k, key=True)}={esc(v)}\n" for k, v in pairs.items())


def runtime_block(
    bootstrap: str, registry_url: str, flink_rest: str, sql_gateway: str, connect: str, home: Path
) -> str:
    """The `runtime:` a project needs to use the secure stack of `home`."""
    files = secure_files(home)
    ca = json.dumps(str(files.ca_cert))
    return f"""\
# written by `streamt local up --secure`; the passwords are in {files.env} (copy it to .env)
runtime:
  kafka:
    bootstrap_servers: {json.dumps(bootstrap)}
    security_protocol: SASL_SSL
    sasl_mechanism: {MECHANISM}
    sasl_username: {CLIENT_USER}
    sasl_password: ${{{KAFKA_PASSWORD_VAR}}}
    ssl_ca_location: {ca}
  schema_registry:
    url: {json.dumps(registry_url)}
    username: {CLIENT_USER}
    password: ${{{REGISTRY_PASSWORD_VAR}}}
    ssl_ca_location: {ca}
  flink:
    default: local
    clusters:
      local: {{rest_url: {json.dumps(flink_rest)}, sql_gateway_url: {json.dumps(sql_gateway)}}}
  connect:
    default: local
    clusters:
      local: {{rest_url: {json.dumps(connect)}}}
"""


def env_text(creds: Credentials) -> str:
    """The `.env` lines binding the runtime block's password variables."""
    return (
        f"{KAFKA_PASSWORD_VAR}={creds.kafka[CLIENT_USER]}\n"
        f"{REGISTRY_PASSWORD_VAR}={creds.registry_password}\n"
    )
