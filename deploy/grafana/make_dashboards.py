"""Write the five provisioned Grafana dashboards of deploy/grafana/dashboards/ as JSON.

Run from the repository root after changing a panel:

    python3 deploy/grafana/make_dashboards.py

Queries use the series that the services export and the recording rules of
deploy/prometheus/rules/recording.yml; tests/deploy checks every metric name.
"""

from __future__ import annotations

import json
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "dashboards"
PROMETHEUS = {"type": "prometheus", "uid": "prometheus"}
LOKI = {"type": "loki", "uid": "loki"}
API_JOBS = "auth|payments|subscriptions|notifications|analytics|chatwoot|compliance|admin"
GRID_WIDTH = 24


class Layout:
    """Places panels left to right on Grafana's 24-column grid, wrapping to a new row."""

    def __init__(self) -> None:
        self.x = 0
        self.y = 0
        self.row_height = 0
        self.next_id = 1

    def place(self, width: int, height: int) -> dict[str, int]:
        if self.x + width > GRID_WIDTH:
            self.x = 0
            self.y += self.row_height
            self.row_height = 0
        position = {"x": self.x, "y": self.y, "w": width, "h": height}
        self.x += width
        self.row_height = max(self.row_height, height)
        return position


def panel(
    layout: Layout,
    title: str,
    queries: list[tuple[str, str]],
    *,
    kind: str = "timeseries",
    unit: str = "short",
    width: int = 12,
    height: int = 8,
    datasource: dict[str, str] = PROMETHEUS,
) -> dict[str, object]:
    """Return one panel; each query is (expression, legend)."""
    panel_id = layout.next_id
    layout.next_id += 1
    targets = [
        {
            "refId": chr(ord("A") + index),
            "expr": expr,
            "legendFormat": legend,
            "datasource": datasource,
        }
        for index, (expr, legend) in enumerate(queries)
    ]
    return {
        "id": panel_id,
        "type": kind,
        "title": title,
        "datasource": datasource,
        "gridPos": layout.place(width, height),
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
        "targets": targets,
    }


def dashboard(uid: str, title: str, panels: list[dict[str, object]], tags: list[str]) -> dict:
    return {
        "uid": uid,
        "title": title,
        "tags": ["cuenty", *tags],
        "timezone": "America/Mexico_City",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": panels,
    }


def overview() -> dict:
    layout = Layout()
    panels = [
        panel(
            layout,
            "Servicios arriba / Services up",
            [("sum by (job) (up)", "{{job}}")],
            kind="stat",
            width=8,
        ),
        panel(
            layout,
            "Solicitudes por segundo / Requests per second",
            [("sum(job:cuenty_http_requests:rate5m)", "total")],
            kind="stat",
            unit="reqps",
            width=8,
        ),
        panel(
            layout,
            "Errores 5xx / 5xx errors",
            [("sum(job:cuenty_http_errors:rate5m) / sum(job:cuenty_http_requests:rate5m)", "5xx")],
            kind="stat",
            unit="percentunit",
            width=8,
        ),
        panel(
            layout,
            "Latencia p95 por servicio / p95 latency by service",
            [("job:cuenty_http_request_duration_seconds:p95_5m", "{{job}}")],
            unit="s",
        ),
        panel(
            layout,
            "Solicitudes por servicio / Requests by service",
            [("job:cuenty_http_requests:rate5m", "{{job}}")],
            unit="reqps",
        ),
        panel(
            layout,
            "Trabajo más antiguo en espera / Oldest waiting job",
            [("max(cuenty_jobs_oldest_waiting_seconds)", "oldest")],
            unit="s",
            width=8,
        ),
        panel(
            layout,
            "Transferencias en revisión / Transfers in review",
            [('max(cuenty_received_transfers{state="review"})', "review")],
            kind="stat",
            width=8,
        ),
        panel(
            layout,
            "ARCO por vencer / ARCO due soon",
            [
                ('max(cuenty_arco_requests_open{deadline="near"})', "near"),
                ('max(cuenty_arco_requests_open{deadline="overdue"})', "overdue"),
            ],
            kind="stat",
            width=8,
        ),
    ]
    return dashboard("cuenty-overview", "CUENTY · Resumen / Overview", panels, ["overview"])


def services() -> dict:
    layout = Layout()
    api = f'job=~"{API_JOBS}"'
    panels = [
        panel(
            layout,
            "Réplicas arriba / Replicas up",
            [("up", "{{job}} {{instance}}")],
            kind="table",
            width=24,
        ),
        panel(
            layout,
            "Tasa de error 5xx / 5xx error ratio",
            [("job:cuenty_http_error_ratio:rate5m", "{{job}}")],
            unit="percentunit",
        ),
        panel(
            layout,
            "Latencia p50 y p95 / p50 and p95 latency",
            [
                ("job:cuenty_http_request_duration_seconds:p50_5m", "p50 {{job}}"),
                ("job:cuenty_http_request_duration_seconds:p95_5m", "p95 {{job}}"),
            ],
            unit="s",
        ),
        panel(
            layout,
            "Solicitudes en curso / Requests in flight",
            [(f"sum by (job) (cuenty_http_requests_in_flight{{{api}}})", "{{job}}")],
        ),
        panel(
            layout,
            "Rutas más lentas (p95) / Slowest routes (p95)",
            [
                (
                    "topk(10, job_route:cuenty_http_request_duration_seconds:p95_5m)",
                    "{{job}} {{route}}",
                )
            ],
            unit="s",
        ),
        panel(
            layout,
            "Memoria residente / Resident memory",
            [("sum by (job) (process_resident_memory_bytes)", "{{job}}")],
            unit="bytes",
        ),
        panel(
            layout,
            "CPU",
            [("sum by (job) (rate(process_cpu_seconds_total[5m]))", "{{job}}")],
            unit="percentunit",
        ),
        panel(
            layout,
            "Conexiones del pool / Pool connections",
            [('sum by (job) (cuenty_db_pool_connections{state="checked_out"})', "{{job}} en uso")],
        ),
        panel(
            layout,
            "Fallos de trabajos / Job failures (15 min)",
            [("name:cuenty_job_failures:increase15m", "{{name}}")],
        ),
        panel(
            layout,
            "Errores en los logs / Errors in the logs",
            [('{service=~".+", level="error"}', "")],
            kind="logs",
            width=24,
            height=10,
            datasource=LOKI,
        ),
    ]
    return dashboard(
        "cuenty-services",
        "CUENTY · Salud de microservicios / Services health",
        panels,
        ["services"],
    )


def database() -> dict:
    layout = Layout()
    db = 'datname="cuenty"'
    panels = [
        panel(
            layout,
            "PostgreSQL arriba / PostgreSQL up",
            [("pg_up", "primary")],
            kind="stat",
            width=6,
        ),
        panel(
            layout,
            "Conexiones / Connections",
            [
                (f"sum(pg_stat_database_numbackends{{{db}}})", "abiertas"),
                ("max(pg_settings_max_connections)", "máximo"),
            ],
            width=18,
        ),
        panel(
            layout,
            "Transacciones por segundo / Transactions per second",
            [
                (f"rate(pg_stat_database_xact_commit{{{db}}}[5m])", "commit"),
                (f"rate(pg_stat_database_xact_rollback{{{db}}}[5m])", "rollback"),
            ],
            unit="ops",
        ),
        panel(
            layout,
            "Aciertos de caché / Cache hit ratio",
            [
                (
                    f"rate(pg_stat_database_blks_hit{{{db}}}[5m])"
                    f" / (rate(pg_stat_database_blks_hit{{{db}}}[5m])"
                    f" + rate(pg_stat_database_blks_read{{{db}}}[5m]))",
                    "hit ratio",
                )
            ],
            unit="percentunit",
        ),
        panel(
            layout,
            "Bloqueos mutuos / Deadlocks",
            [(f"increase(pg_stat_database_deadlocks{{{db}}}[1h])", "deadlocks")],
        ),
        panel(
            layout,
            "Tamaño de la base / Database size",
            [(f"pg_database_size_bytes{{{db}}}", "cuenty")],
            unit="bytes",
        ),
        panel(
            layout,
            "Pool de SQLAlchemy por estado / SQLAlchemy pool by state",
            [("sum by (state) (cuenty_db_pool_connections)", "{{state}}")],
            width=24,
        ),
    ]
    return dashboard(
        "cuenty-database", "CUENTY · Base de datos / Database performance", panels, ["database"]
    )


def gateway() -> dict:
    layout = Layout()
    panels = [
        panel(layout, "Gateway arriba / Gateway up", [("nginx_up", "nginx")], kind="stat", width=6),
        panel(
            layout,
            "Conexiones activas / Active connections",
            [
                ("nginx_connections_active", "activas"),
                ("nginx_connections_reading", "leyendo"),
                ("nginx_connections_writing", "escribiendo"),
                ("nginx_connections_waiting", "en espera"),
            ],
            width=18,
        ),
        panel(
            layout,
            "Solicitudes por segundo / Requests per second",
            [("rate(nginx_http_requests_total[5m])", "gateway")],
            unit="reqps",
        ),
        panel(
            layout,
            "Conexiones rechazadas / Dropped connections",
            [
                (
                    "rate(nginx_connections_accepted[5m]) - rate(nginx_connections_handled[5m])",
                    "descartadas",
                )
            ],
            unit="ops",
        ),
        panel(
            layout,
            "Respuestas de los servicios por código / Service responses by status",
            [("sum by (status) (rate(cuenty_http_requests_total[5m]))", "{{status}}")],
            unit="reqps",
        ),
        panel(
            layout,
            "Respuestas 429 (límite) / 429 responses (rate limit)",
            [('sum by (job) (rate(cuenty_http_requests_total{status="429"}[5m]))', "{{job}}")],
            unit="reqps",
        ),
        panel(
            layout,
            "Latencia p95 por ruta / p95 latency by route",
            [
                (
                    "topk(15, job_route:cuenty_http_request_duration_seconds:p95_5m)",
                    "{{job}} {{route}}",
                )
            ],
            unit="s",
            width=24,
        ),
    ]
    return dashboard("cuenty-gateway", "CUENTY · API gateway", panels, ["gateway"])


def business() -> dict:
    layout = Layout()
    panels = [
        panel(
            layout,
            "Transferencias en espera / Transfers waiting",
            [("max by (state) (cuenty_received_transfers)", "{{state}}")],
        ),
        panel(
            layout,
            "Antigüedad de la más vieja / Age of the oldest",
            [("max by (state) (cuenty_received_transfers_oldest_seconds)", "{{state}}")],
            unit="s",
        ),
        panel(
            layout,
            "Webhooks salientes / Outgoing webhooks",
            [("max by (status) (cuenty_webhook_messages)", "{{status}}")],
        ),
        panel(
            layout,
            "Solicitudes ARCO abiertas / Open ARCO requests",
            [("max by (deadline) (cuenty_arco_requests_open)", "{{deadline}}")],
        ),
        panel(
            layout,
            "Cola de trabajos / Job queue",
            [("max by (state) (cuenty_jobs_queue_depth)", "{{state}}")],
        ),
        panel(
            layout,
            "Duración p95 por trabajo / p95 duration by job",
            [
                (
                    "histogram_quantile(0.95,"
                    " sum by (name, le) (rate(cuenty_job_duration_seconds_bucket[15m])))",
                    "{{name}}",
                )
            ],
            unit="s",
        ),
        panel(
            layout,
            "Pedidos creados / Orders created",
            [
                (
                    'sum(rate(cuenty_http_requests_total{route="/v1/orders",method="POST",status="201"}[1h]))'
                    " * 3600",
                    "por hora",
                )
            ],
        ),
        panel(
            layout,
            "Instrucciones SPEI generadas / SPEI instructions generated",
            [
                (
                    'sum(rate(cuenty_http_requests_total{route="/v1/payments/spei/generate",status="201"}[1h]))'
                    " * 3600",
                    "por hora",
                )
            ],
        ),
    ]
    return dashboard(
        "cuenty-business", "CUENTY · Métricas de negocio / Business metrics", panels, ["business"]
    )


def main() -> None:
    FOLDER.mkdir(exist_ok=True)
    boards = {
        "overview.json": overview(),
        "services.json": services(),
        "database.json": database(),
        "gateway.json": gateway(),
        "business.json": business(),
    }
    for name, board in boards.items():
        text = json.dumps(board, indent=2, ensure_ascii=False) + "\n"
        (FOLDER / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
