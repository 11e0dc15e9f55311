"""Stock summary per service: accounts by state, free units, paid units waiting for stock,
and the low-stock flag operations staff watch.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.inventory import repository
from cuenty.inventory.models import AccountState
from cuenty.inventory.schemas import ServiceStock, StateCounts, StockSummary


async def stock_summary(session: AsyncSession, *, threshold: int) -> StockSummary:
    """Summarise every catalog service's stock.

    A service is low on stock when its free profiles, minus the units already waiting for
    stock, are fewer than `threshold`.
    """
    counts: dict[object, dict[str, int]] = {}
    for service_id, state, count in await repository.account_counts_by_state(session):
        counts.setdefault(service_id, {})[state] = count
    free = await repository.free_units_by_service(session, AccountState.AVAILABLE.value)
    waiting = await repository.pending_subscriptions_by_service(session)

    services = []
    for service in await repository.all_services(session):
        free_profiles, free_accounts = free.get(service.id, (0, 0))
        waiting_units = waiting.get(service.id, 0)
        services.append(
            ServiceStock(
                service_id=service.id,
                service_name=service.name,
                accounts=StateCounts(**counts.get(service.id, {})),
                free_profiles=free_profiles,
                free_accounts=free_accounts,
                waiting=waiting_units,
                low_stock=free_profiles - waiting_units < threshold,
            )
        )
    return StockSummary(threshold=threshold, services=services)
