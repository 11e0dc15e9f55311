"""`cuenty analytics`: offline checks of the prediction models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

analytics_app = typer.Typer(help="Analytics models: churn backtest.", no_args_is_help=True)


@analytics_app.command("churn-backtest")
def churn_backtest(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV of customers in the telco (customerID, tenure, Contract, MonthlyCharges, "
            "PaymentMethod, Churn) or Spanish (id_cliente, meses_antiguedad, plan, "
            "monto_mensual, metodo_pago, cancelo) layout.",
        ),
    ],
    folds: Annotated[int, typer.Option(min=2, max=20, help="Cross-validation folds.")] = 5,
    top: Annotated[int, typer.Option(min=1, max=50, help="Factors to print.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed of the folds and models.")] = 0,
) -> None:
    """Run the churn pipeline on an exported customer table and print cross-validated
    ROC-AUC, Brier score and the top factors."""
    from cuenty.analytics.ml import churn
    from cuenty.analytics.ml.customer_table import CustomerTableError, load_customer_table

    try:
        table = load_customer_table(file)
        model = churn.train(table.dataset, folds=folds, bootstrap_models=0, seed=seed)
    except (CustomerTableError, churn.NotEnoughData) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from error

    churn_rate = model.positives / model.sample_size
    typer.echo(f"layout: {table.layout.name}; customers: {table.rows}; churned: {churn_rate:.1%}")
    typer.echo(f"calibration: {model.calibration}; cross-validation: {folds} folds")
    for score in model.scores:
        serving = "  (serving)" if score.name == model.serving else ""
        typer.echo(f"{score.name}: ROC-AUC {score.roc_auc:.3f}, Brier {score.brier:.3f}{serving}")
    typer.echo("top factors (mean change of the churn probability):")
    for name, effect in churn.global_factors(model, table.dataset.features, top=top):
        typer.echo(f"  {name}: {effect:.3f}")
