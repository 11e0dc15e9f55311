"""Who or what caused a change, as recorded in the state histories of orders and subscriptions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

ActorType = Literal["customer", "staff", "system", "job"]


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: uuid.UUID | None = None

    @classmethod
    def job(cls) -> Actor:
        return cls("job")

    @classmethod
    def system(cls) -> Actor:
        return cls("system")

    @classmethod
    def of(cls, user_id: uuid.UUID | None, *, is_staff: bool) -> Actor:
        return cls("staff" if is_staff else "customer", user_id)
