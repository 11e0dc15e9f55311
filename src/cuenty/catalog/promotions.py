"""Promotion codes: administration, the checks an order must pass, and counting paid uses.

A code is matched without case. A use counts toward the maximum only when its order is paid;
pending orders do not hold one, so while several orders with the last remaining use wait for
payment, each of them that gets paid keeps its discount (the customer was shown that total).
The per-customer limit counts the customer's unpaid orders too.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.errors import PromotionCodeTakenError, PromotionNotFoundError
from cuenty.catalog.models import Promotion, PromotionUse
from cuenty.kit.errors import ValidationFailedError
from cuenty.kit.i18n import N_
from cuenty.kit.money import format_mxn
from cuenty.kit.validation import FieldError
from cuenty.orders.models import Order, OrderState

FIELD = "#/promotionCode"

RULES = {
    "promotion_unknown": N_("No promotion has this code."),
    "promotion_inactive": N_("This promotion is no longer active."),
    "promotion_not_started": N_("This promotion starts on {date}."),
    "promotion_expired": N_("This promotion ended on {date}."),
    "promotion_exhausted": N_("This promotion has no uses left."),
    "promotion_customer_limit": N_(
        "You have already used this promotion the maximum number of times allowed."
    ),
    "promotion_minimum": N_("This promotion needs a purchase of at least {minimum}."),
}


def normalize_code(code: str) -> str:
    return code.strip().upper()


async def create_promotion(session: AsyncSession, values: Mapping[str, Any]) -> Promotion:
    code = normalize_code(values["code"])
    if await session.scalar(select(Promotion.id).where(Promotion.code == code)):
        raise PromotionCodeTakenError(params={"code": code})
    promotion = Promotion(**{**values, "code": code})
    session.add(promotion)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        raise PromotionCodeTakenError(params={"code": code}) from error
    return promotion


async def get_promotion(session: AsyncSession, promotion_id: uuid.UUID) -> Promotion:
    promotion = await session.get(Promotion, promotion_id)
    if promotion is None:
        raise PromotionNotFoundError(params={"id": promotion_id})
    return promotion


async def update_promotion(
    session: AsyncSession, promotion_id: uuid.UUID, changes: Mapping[str, Any]
) -> Promotion:
    promotion = await get_promotion(session, promotion_id)
    for field_name, value in changes.items():
        setattr(promotion, field_name, value)
    await session.flush()
    return promotion


async def list_promotions(session: AsyncSession) -> list[Promotion]:
    return list((await session.scalars(select(Promotion).order_by(Promotion.code))).all())


async def check_for_order(
    session: AsyncSession, code: str, *, user_id: uuid.UUID, gross: Decimal, now: datetime
) -> Promotion:
    """Return the promotion a new order may use, or raise a 422 naming the broken rule."""
    promotion = await session.scalar(
        select(Promotion).where(Promotion.code == normalize_code(code))
    )
    if promotion is None:
        raise _rejected("promotion_unknown")
    if not promotion.active:
        raise _rejected("promotion_inactive")
    if promotion.starts_at is not None and now < promotion.starts_at:
        raise _rejected("promotion_not_started", date=promotion.starts_at.date().isoformat())
    if promotion.ends_at is not None and now >= promotion.ends_at:
        raise _rejected("promotion_expired", date=promotion.ends_at.date().isoformat())
    if promotion.max_uses is not None and promotion.uses >= promotion.max_uses:
        raise _rejected("promotion_exhausted")
    if promotion.per_customer_limit is not None:
        used = await uses_by(session, promotion.id, user_id)
        if used >= promotion.per_customer_limit:
            raise _rejected("promotion_customer_limit")
    if gross < promotion.min_purchase:
        raise _rejected("promotion_minimum", minimum=format_mxn(promotion.min_purchase))
    return promotion


async def uses_by(session: AsyncSession, promotion_id: uuid.UUID, user_id: uuid.UUID) -> int:
    """Count the customer's orders with this promotion that are paid or waiting for payment.

    Unlike the overall count, the per-customer limit includes unpaid orders, so one customer
    cannot place several unpaid orders with a once-per-customer code and pay them all.
    """
    count = await session.scalar(
        select(func.count())
        .select_from(Order)
        .where(
            Order.promotion_id == promotion_id,
            Order.user_id == user_id,
            Order.state.not_in([OrderState.CANCELLED.value, OrderState.EXPIRED.value]),
        )
    )
    return int(count or 0)


async def record_use(
    session: AsyncSession, promotion_id: uuid.UUID, *, order_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Count one use for a paid order; the order's unique row makes a second call a no-op."""
    exists = await session.scalar(select(PromotionUse.id).where(PromotionUse.order_id == order_id))
    if exists is not None:
        return
    session.add(PromotionUse(promotion_id=promotion_id, order_id=order_id, user_id=user_id))
    # An atomic increment, so concurrent payments never lose a count.
    await session.execute(
        update(Promotion).where(Promotion.id == promotion_id).values(uses=Promotion.uses + 1)
    )
    await session.flush()


def _rejected(rule: str, **params: str) -> ValidationFailedError:
    error = FieldError(code=rule, message=RULES[rule], pointer=FIELD, params=params)
    return ValidationFailedError(params={"count": 1}, errors=[error])
