"""The five dashboards load, use the provisioned data sources and query exported series."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.deploy.support import DEPLOY, promql_metric_names

GRAFANA = DEPLOY / "grafana"
DASHBOARDS = ("overview", "services", "database", "gateway", "business")


def load(name: str) -> dict:
    return json.loads((GRAFANA / "dashboards" / f"{name}.json").read_text(encoding="utf-8"))


def recorded_names() -> set[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus/rules/recording.yml").read_text())
    return {rule["record"] for group in rules["groups"] for rule in group["rules"]}


def datasource_uids() -> dict[str, str]:
    provisioned = yaml.safe_load((GRAFANA / "provisioning/datasources/cuenty.yml").read_text())
    return {source["uid"]: source["type"] for source in provisioned["datasources"]}


def test_five_dashboards_with_unique_uids() -> None:
    uids = [load(name)["uid"] for name in DASHBOARDS]
    assert len(set(uids)) == 5
    files = sorted(path.stem for path in (GRAFANA / "dashboards").glob("*.json"))
    assert files == sorted(DASHBOARDS)


def test_panels_use_provisioned_datasources() -> None:
    sources = datasource_uids()
    for name in DASHBOARDS:
        for panel in load(name)["panels"]:
            uid = panel["datasource"]["uid"]
            assert sources.get(uid) == panel["datasource"]["type"], f"{name}: {panel['title']}"


def test_panel_queries_name_exported_metrics(exported_metrics: frozenset[str]) -> None:
    known = exported_metrics | recorded_names()
    checked = 0
    for name in DASHBOARDS:
        for panel in load(name)["panels"]:
            for target in panel["targets"]:
                if target["datasource"]["type"] != "prometheus":
                    continue
                unknown = promql_metric_names(target["expr"]) - known
                assert not unknown, f"{name} / {panel['title']}: {sorted(unknown)}"
                checked += 1
    assert checked > 30


def test_dashboards_match_generator(tmp_path: Path) -> None:
    script = GRAFANA / "make_dashboards.py"
    copy = tmp_path / "make_dashboards.py"
    copy.write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run([sys.executable, str(copy)], check=True, timeout=60)
    for name in DASHBOARDS:
        generated = (tmp_path / "dashboards" / f"{name}.json").read_text(encoding="utf-8")
        committed = (GRAFANA / "dashboards" / f"{name}.json").read_text(encoding="utf-8")
        assert generated == committed, f"{name}.json: run deploy/grafana/make_dashboards.py"
