"""Load test through the NGINX gateway, beside a bare FastAPI endpoint behind the same gateway
measured in the same run as the ceiling of the machine.

1. The product description's test: `ab -n 1000 -c 10` on GET /v1/subscriptions with a
   customer's bearer token (and the same with wrk and keep-alive).
2. A heavier mix with wrk (bench/load/mix.lua): catalog browsing, sign-ins, orders with their
   SPEI instructions, analytics events and the staff dashboard. The analytics steps run only
   when the combined OpenAPI document lists their routes.
3. The production limits: 429 problem+json responses at the count the configuration predicts.

Scenarios 1 and 2 run with the services' and the gateway's limits raised; scenario 3 restarts
everything with the shipped limits. Everything runs on 127.0.0.1: a scratch PostgreSQL
database (dropped at the end), Redis database --redis-db (must be empty; flushed at the end),
the services, a job worker, the ceiling app and nginx, all stopped by PID at the end.

Run: .venv/bin/python bench/gateway_load.py [--seconds 30] [--connections 10] [--output FILE]
Check the setup only (config renders, nginx -t, the Lua scripts run): --dry-run
Needs nginx, openssl, ab (apache2-utils) and wrk from Debian's packages.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.load import report  # noqa: E402
from bench.load.dry_run import dry_run  # noqa: E402
from bench.load.limits_check import run_limit_checks  # noqa: E402
from bench.load.runs import log_offset, run_ab, run_wrk, step_latencies  # noqa: E402
from bench.load.seed import PASSWORD, seed, write_lua_plan  # noqa: E402
from bench.load.stack import CEILING_PATH, Stack, StackOptions, start_stack  # noqa: E402

TOOLS = ("nginx", "openssl", "ab", "wrk")
# Share of each step in the mix, in percent of the requests. Every order is followed by its
# SPEI request, which makes the missing 10%. Sign-ins are rare because an access token lasts
# 24 hours, and each costs an Argon2id verification.
MIX_WEIGHTS = {"catalog": 45, "event": 30, "order": 10, "dashboard": 3, "login": 2}
WARM_UP_SECONDS = 5


def main() -> None:
    arguments = _parse_arguments()
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        sys.exit(
            f"missing tools: {', '.join(missing)} (Debian: apt-get install -y nginx "
            "openssl apache2-utils wrk)"
        )
    if arguments.dry_run:
        print(dry_run())
        return

    machine = report.machine_line()
    options = StackOptions(
        redis_db=arguments.redis_db, replicas=arguments.replicas, job_worker=not arguments.no_worker
    )
    stack = start_stack(options)
    try:
        results = _run_scenarios(stack, arguments)
    finally:
        stack.close()
    results["machine"] = machine
    results["command"] = " ".join(sys.argv)
    results["processes"] = report.processes_line(options)
    results["ab_command"] = f"ab -n {arguments.requests} -c {arguments.concurrency}"
    print(report.markdown(results))
    if arguments.output:
        Path(arguments.output).write_text(json.dumps(results, indent=2, default=str))


def _run_scenarios(stack: Stack, arguments: argparse.Namespace) -> dict[str, Any]:
    stack.start_services(production_limits=False)
    plan = seed(stack, arguments.customers)
    weights = {
        step: weight if plan.analytics_routes.get(step, True) else 0
        for step, weight in MIX_WEIGHTS.items()
    }
    plan_file = stack.folder / "plan.lua"
    write_lua_plan(plan, weights, plan_file)
    mix_environment = {"CUENTY_LOAD_PLAN": str(plan_file)}
    token = plan.customers[0].token
    ceiling_url = stack.url + CEILING_PATH
    subscriptions_url = stack.url + "/v1/subscriptions"
    connections, seconds = arguments.connections, arguments.seconds
    bearer = {"Authorization": f"Bearer {token}"}

    run_wrk(ceiling_url, script="ceiling.lua", connections=connections, seconds=WARM_UP_SECONDS)
    run_wrk(
        stack.url,
        script="mix.lua",
        connections=connections,
        seconds=WARM_UP_SECONDS,
        environment=mix_environment,
    )

    results: dict[str, Any] = {"seed": asdict(plan) | {"customers": len(plan.customers)}}
    results["seed"].pop("operations_token")
    results["ab"] = {
        "ceiling": asdict(
            run_ab(
                ceiling_url,
                requests=arguments.requests,
                concurrency=arguments.concurrency,
                token=token,
            )
        ),
        "cuenty": asdict(
            run_ab(
                subscriptions_url,
                requests=arguments.requests,
                concurrency=arguments.concurrency,
                token=token,
            )
        ),
    }
    results["keepalive"] = {
        "ceiling": asdict(
            run_wrk(
                ceiling_url,
                script="ceiling.lua",
                connections=connections,
                seconds=seconds,
                headers=bearer,
            )
        ),
        "cuenty": asdict(
            run_wrk(
                subscriptions_url,
                script="ceiling.lua",
                connections=connections,
                seconds=seconds,
                headers=bearer,
            )
        ),
    }
    ceiling = run_wrk(ceiling_url, script="ceiling.lua", connections=connections, seconds=seconds)
    start = log_offset(stack.access_log)
    mix = run_wrk(
        stack.url,
        script="mix.lua",
        connections=connections,
        seconds=seconds,
        environment=mix_environment,
    )
    steps = step_latencies(stack.access_log, start)
    # The same mix without sign-ins shows what the Argon2id verifications cost the rest.
    write_lua_plan(plan, weights | {"login": 0}, plan_file)
    without_login = run_wrk(
        stack.url,
        script="mix.lua",
        connections=connections,
        seconds=seconds,
        environment=mix_environment,
    )
    results["mix"] = {
        "ceiling": asdict(ceiling),
        "cuenty": asdict(mix),
        "without_login": asdict(without_login),
        "weights": weights,
        "analytics_routes": plan.analytics_routes,
        "steps": {step: asdict(figures) for step, figures in steps.items()},
    }

    stack.stop_services()
    stack.flush_redis()
    stack.start_services(production_limits=True)
    checks = run_limit_checks(
        stack.url,
        [customer.token for customer in plan.customers[1:]],
        [customer.email for customer in plan.customers[2:]],
        PASSWORD,
    )
    results["limits"] = [asdict(check) for check in checks]
    return results


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000, help="ab requests (scenario 1)")
    parser.add_argument("--concurrency", type=int, default=10, help="ab concurrency (scenario 1)")
    parser.add_argument(
        "--connections",
        type=int,
        default=10,
        help="wrk connections, one thread each (keep-alive and mix runs)",
    )
    parser.add_argument("--seconds", type=int, default=30, help="length of each wrk run")
    parser.add_argument("--customers", type=int, default=40, help="customers signed up")
    parser.add_argument(
        "--redis-db",
        type=int,
        default=12,
        help="Redis database number on 127.0.0.1:6379; must be empty",
    )
    parser.add_argument(
        "--replicas",
        type=_replicas,
        default=None,
        help="processes per service, e.g. subscriptions=2,payments=1 "
        "(default: auth=1,payments=1,subscriptions=2,analytics=1)",
    )
    parser.add_argument("--no-worker", action="store_true", help="run no job worker")
    parser.add_argument("--output", help="also write every figure to this JSON file")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="render and check the gateway configuration and Lua scripts only",
    )
    arguments = parser.parse_args()
    if arguments.customers < 3:
        # The limit checks use the second and third customers, apart from the first's.
        parser.error("--customers must be at least 3")
    if arguments.replicas is None:
        arguments.replicas = StackOptions().replicas
    return arguments


def _replicas(text: str) -> dict[str, int]:
    counts = dict(StackOptions().replicas)
    for item in text.split(","):
        name, _, count = item.partition("=")
        if name.strip() not in counts or not count.strip().isdigit():
            raise argparse.ArgumentTypeError(
                f"invalid replica count {item!r}; use NAME=COUNT with NAME in {', '.join(counts)}"
            )
        counts[name.strip()] = int(count)
    return counts


if __name__ == "__main__":
    main()
