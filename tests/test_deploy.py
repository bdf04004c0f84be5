"""compose.yaml and deploy/Caddyfile agree with the bot: what the README's "Several replicas" says
they run is what they declare (Docker is not run here; the replicas on a cluster are load-tested in
tests/test_load.py with the same settings)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.config import cluster_url, load_settings

REPO = Path(__file__).resolve().parents[1]


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((REPO / "compose.yaml").read_text())  # type: ignore[no-any-return]


def test_compose_runs_replicas_in_webhook_mode_on_a_redis_cluster() -> None:
    services = _compose()["services"]
    bot = services["bot"]
    assert bot["deploy"]["replicas"] >= 3
    env = bot["environment"]
    default_url = re.fullmatch(r"\$\{REDIS_URL:-(.+)\}", env["REDIS_URL"])
    assert default_url is not None
    url = default_url.group(1)
    assert cluster_url(url) == "redis://redis-1:6379"
    webhook = env["WEBHOOK_URL"].replace("${NABA_DOMAIN:?set NABA_DOMAIN in .env}", "naba.example.org")
    settings = load_settings(
        _env_file=None, redis_url=url, webhook_url=webhook, webhook_secret="s3cret", webhook_port=env["WEBHOOK_PORT"],
        metrics_port=env["METRICS_PORT"],
    )  # fmt: skip
    assert str(settings.webhook_url) == "https://naba.example.org/telegram"
    # Three cluster nodes, formed once by redis-init before any replica starts.
    nodes = [name for name in services if re.fullmatch(r"redis-\d", name)]
    assert len(nodes) == 3
    for name in nodes:
        command = services[name]["command"]
        assert command[command.index("--cluster-enabled") + 1] == "yes"
        assert command[command.index("--maxmemory-policy") + 1] == "volatile-lru"  # never evicts subscriptions
    assert bot["depends_on"]["redis-init"]["condition"] == "service_completed_successfully"
    script = services["redis-init"]["command"][0]
    addresses = [services[name]["networks"]["naba"]["ipv4_address"] for name in nodes]
    assert all(f"{address}:6379" in script for address in addresses)  # the cluster is formed of these three
    assert all(name in script for name in nodes)  # …once each of them answers


def test_the_proxy_sends_the_webhook_path_to_every_replica() -> None:
    compose = _compose()
    proxy = compose["services"]["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    caddyfile = (REPO / "deploy" / "Caddyfile").read_text()
    port = compose["services"]["bot"]["environment"]["WEBHOOK_PORT"]
    assert re.search(rf"dynamic a bot {port}\b", caddyfile)  # every replica the `bot` name resolves to
    assert re.search(r"handle /telegram\*\s*{\s*reverse_proxy", caddyfile)  # WEBHOOK_URL's path, before the 404
    assert "lb_policy round_robin" in caddyfile and "lb_retries" in caddyfile
