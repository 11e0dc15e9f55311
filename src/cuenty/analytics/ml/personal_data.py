"""Churn scores in privacy requests: a titular's stored scores are exported with their
factors, and deleted on suppression. Scoring itself stops while a cancellation blocks the
data or the titular refused or revoked consent for automated decisions, because the daily
run scores only users that `compliance.consents.allows` clears."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.ml import repository
from cuenty.compliance.registry import personal_data


@personal_data("churn_predictions")
class ChurnPredictionData:
    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
        rows = await repository.user_predictions(session, user_id)
        return {
            "churnPredictions": [
                {
                    "subscriptionId": str(prediction.subscription_id),
                    "periodEndsAt": prediction.period_ends_at.isoformat(),
                    "churnProbability": prediction.churn_probability,
                    "confidenceScore": prediction.confidence_score,
                    "factors": prediction.factors,
                    "modelVersion": run.model_version,
                    "computedAt": run.trained_at.isoformat(),
                }
                for prediction, run in rows
            ]
        }

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Delete the scores at once: they are derived data that no law requires keeping,
        and the daily run computes no new ones while the block lasts."""
        await repository.delete_user_predictions(session, user_id)

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        await repository.delete_user_predictions(session, user_id)
