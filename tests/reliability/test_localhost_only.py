"""Without `[auth]` the app is single-user, so it must listen on localhost only
(`.streamlit/config.toml`: server.address = "localhost"), started exactly as `make run` does."""
from __future__ import annotations

import socket
import tomllib
from pathlib import Path

from tests.reliability.stclient import StreamlitClient

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = {"127.0.0.1", "::1"}


def listening_addresses(port: int) -> set[str]:
    """Local addresses of LISTEN sockets on `port`, from /proc/net/tcp and tcp6."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.add(_decode(address, width))
    return found


def _decode(hex_address: str, width: int) -> str:
    raw = bytes.fromhex(hex_address)
    if width == 8:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def external_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            return [probe.getsockname()[0]]
        except OSError:
            return []


def test_config_binds_to_localhost():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "localhost"


def test_without_auth_the_server_listens_on_loopback_only(app_server):
    app = app_server(address=None)  # no --server.address: the config file decides, as in `make run`
    addresses = listening_addresses(app.port)
    assert addresses and addresses <= LOOPBACK, addresses
    for address in external_addresses():
        if address.startswith("127."):
            continue
        with socket.socket() as sock:
            sock.settimeout(2)
            assert sock.connect_ex((address, app.port)) != 0, f"reachable on {address}"
    with StreamlitClient(app.url) as client:  # and it serves on localhost, in single-user mode
        assert "Single-user mode" in client.open("generate").text()
