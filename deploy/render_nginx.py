"""Render deploy/nginx/intranet.conf for a directory of its own: the topology test and `make prod-check`.

Only the lines tagged `# deploy: <tag>` change (ports, paths, host name, certificate, the
upstream processes); everything else is the production file byte for byte, so what the test
exercises is what production runs. A tag that the file no longer has, or a tagged line left
unrendered, is an error: the renderer cannot silently drift from the file.

Also writes a minimal main nginx.conf (pid, logs and temp files in the directory) standing in for
Debian's /etc/nginx/nginx.conf, and, on request, a self-signed certificate (openssl).

    python deploy/render_nginx.py DIR [--https-port N] [--http-port N] [--upstream HOST:PORT ...] [--cert]
"""

import argparse
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SITE = Path(__file__).resolve().parent / "nginx" / "intranet.conf"
TAG = re.compile(
    r"^(?P<indent>\s*)(?P<directive>\S+)\s+(?P<args>[^;]*);(?P<rest>.*#\s*deploy:\s*(?P<tag>[^#\n]+?))\s*$"
)


@dataclass
class Site:
    """The values that differ between production and a test directory."""

    root: Path
    https_port: int
    http_port: int
    upstreams: list[str]
    server_name: str = "127.0.0.1"
    certificate: Path | None = None
    certificate_key: Path | None = None
    static_root: Path | None = None
    media_root: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, str | None]:
        """tag -> new arguments of the tagged directive (None drops the line)."""
        return {
            "http port": f"127.0.0.1:{self.http_port}",
            "http port (IPv6)": None,  # loopback only in a test
            "https port": f"127.0.0.1:{self.https_port} ssl http2",
            "https port (IPv6)": None,
            "host name": self.server_name,
            "certificate": str(self.certificate or self.root / "tls" / "cert.pem"),
            "certificate key": str(self.certificate_key or self.root / "tls" / "key.pem"),
            "STATIC_ROOT": str(self.static_root or self.root / "static") + "/",
            "MEDIA_ROOT": str(self.media_root or self.root / "media") + "/",
            **self.extra,
        }


def render_site(site: Site, text: str | None = None) -> str:
    """The production site file with the tagged lines set for `site`."""
    text = SITE.read_text() if text is None else text
    values = site.values()
    used: set[str] = set()
    out: list[str] = []
    upstreams_written = False
    for line in text.splitlines():
        match = TAG.match(line)
        if not match:
            if "# deploy:" in line and not line.lstrip().startswith("#"):
                raise ValueError(f"a '# deploy:' line that is not 'directive args;  # deploy: tag': {line!r}")
            out.append(line)
            continue
        tag, indent, directive = match["tag"], match["indent"], match["directive"]
        if tag.startswith("daphne "):
            used.add("daphne")
            options = match["args"].split(None, 1)[1] if " " in match["args"] else ""
            if not upstreams_written:
                out.extend(f"{indent}{directive} {address} {options};".rstrip(" ;") + ";" for address in site.upstreams)
                upstreams_written = True
            continue
        if tag not in values:
            raise ValueError(f"no value for the tag {tag!r} in {SITE.name}")
        used.add(tag)
        if values[tag] is not None:
            out.append(f"{indent}{directive} {values[tag]};")
    missing = set(values) - used
    if missing or not upstreams_written:
        raise ValueError(f"{SITE.name} lacks the tagged lines: {sorted(missing) or ['daphne N']}")
    return "\n".join(out) + "\n"


TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def main_conf(root: Path, site_path: Path) -> str:
    """A main nginx.conf for `root`, like Debian's (modules, mime types, sendfile), with its files in `root`."""
    user = "root" if os.geteuid() == 0 else None  # workers read the test's private temp directory
    return "\n".join(
        [
            *([f"user {user};"] if user else []),
            "worker_processes 1;",
            f"pid {root}/nginx.pid;",
            f"error_log {root}/error.log warn;",
            "include /etc/nginx/modules-enabled/*.conf;",
            "events { worker_connections 1024; }",
            "http {",
            "    include /etc/nginx/mime.types;",
            "    default_type application/octet-stream;",
            "    sendfile on;",
            "    tcp_nopush on;",
            f"    access_log {root}/access.log;",
            *(f"    {kind}_temp_path {root / 'tmp' / kind};" for kind in TEMP_PATHS),
            f"    include {site_path};",
            "}",
            "",
        ]
    )


def write(site: Site) -> Path:
    """Write the site and its main conf under site.root; the path of the main conf (for nginx -c)."""
    (site.root / "tmp").mkdir(parents=True, exist_ok=True)
    site_path = site.root / "intranet.conf"
    site_path.write_text(render_site(site))
    conf = site.root / "nginx.conf"
    conf.write_text(main_conf(site.root, site_path))
    return conf


def self_signed_certificate(directory: Path, name: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throwaway certificate for `name` (an IP address or a host name): (cert, key)."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    san = f"IP:{name}" if re.fullmatch(r"[\d.]+", name) else f"DNS:{name}"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
               "-addext", f"subjectAltName={san}", "-keyout", str(key), "-out", str(cert)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - fixed arguments, openssl from PATH
    return cert, key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--https-port", type=int, default=8443)
    parser.add_argument("--http-port", type=int, default=8080)
    parser.add_argument("--upstream", action="append", default=[])
    parser.add_argument("--cert", action="store_true", help="make a self-signed certificate in ROOT/tls")
    args = parser.parse_args()
    root = args.root.resolve()
    if args.cert:
        self_signed_certificate(root / "tls")
    site = Site(root, args.https_port, args.http_port, args.upstream or ["127.0.0.1:8001", "127.0.0.1:8002"])
    print(write(site))


if __name__ == "__main__":
    main()
