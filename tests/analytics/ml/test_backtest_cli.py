"""`cuenty analytics churn-backtest` on small generated customer tables."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cuenty.analytics.ml.customer_table import CustomerTableError, load_customer_table
from cuenty.cli.main import app

runner = CliRunner()
TELCO_HEADER = [
    "customerID",
    "tenure",
    "Contract",
    "MonthlyCharges",
    "PaymentMethod",
    "StreamingTV",
    "TechSupport",
    "Churn",
]
SPANISH_HEADER = [
    "id_cliente",
    "meses_antiguedad",
    "plan",
    "monto_mensual",
    "metodo_pago",
    "extra_soporte",
    "cancelo",
]


def _customers(
    rows: int, seed: int = 3
) -> list[tuple[str, int, str, float, str, bool, bool, bool]]:
    """Month-to-month customers with short tenure churn far more often: a known signal."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    customers = []
    for number in range(rows):
        contract = rng.choice(["Month-to-month", "One year", "Two year"])
        tenure = rng.randint(1, 72)
        risk = 0.55 if contract == "Month-to-month" else 0.08
        risk *= 1.5 if tenure < 12 else 0.6
        churned = rng.random() < risk
        customers.append(
            (
                f"C{number:05d}",
                tenure,
                contract,
                round(rng.uniform(20, 110), 2),
                rng.choice(["Electronic check", "Mailed check"]),
                rng.random() < 0.5,
                rng.random() < 0.4,
                churned,
            )
        )
    return customers


def _write_telco(path: Path, rows: int) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(TELCO_HEADER)
        for cid, tenure, contract, amount, method, tv, support, churned in _customers(rows):
            yes = {True: "Yes", False: "No"}
            writer.writerow(
                [cid, tenure, contract, amount, method, yes[tv], yes[support], yes[churned]]
            )
    return path


def _write_spanish(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SPANISH_HEADER)
        for cid, tenure, contract, amount, method, _tv, support, churned in _customers(rows):
            yes = {True: "Sí", False: "No"}
            writer.writerow([cid, tenure, contract, amount, method, yes[support], yes[churned]])
    return path


def test_backtest_prints_scores_and_factors(tmp_path: Path) -> None:
    path = _write_telco(tmp_path / "telco.csv", 600)

    result = runner.invoke(app, ["analytics", "churn-backtest", str(path), "--folds", "3"])

    assert result.exit_code == 0, result.output
    assert "layout: telco" in result.output
    assert "logistic_regression: ROC-AUC" in result.output
    assert "gradient_boosting: ROC-AUC" in result.output
    assert "Contract:" in result.output


def test_backtest_reads_spanish_layout(tmp_path: Path) -> None:
    path = _write_spanish(tmp_path / "clientes.csv", 400)

    table = load_customer_table(path)

    assert table.layout.name == "cuenty"
    assert "addon:extra_soporte" in table.dataset.features.columns
    assert table.dataset.labels.sum() > 0


def test_signal_gives_good_auc(tmp_path: Path) -> None:
    from cuenty.analytics.ml import churn

    table = load_customer_table(_write_telco(tmp_path / "telco.csv", 800))
    model = churn.train(table.dataset, folds=3, bootstrap_models=0)

    assert model.score(model.serving).roc_auc > 0.7


def test_missing_column_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("customerID,tenure,Churn\nA,1,Yes\n")

    result = runner.invoke(app, ["analytics", "churn-backtest", str(path)])

    assert result.exit_code == 2
    assert "Contract" in result.output


def test_bad_churn_value_names_line(tmp_path: Path) -> None:
    path = _write_telco(tmp_path / "telco.csv", 10)
    lines = path.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",tal vez"
    path.write_text("\n".join(lines) + "\n")

    with pytest.raises(CustomerTableError, match="line 4"):
        load_customer_table(path)


def test_too_few_customers_reported(tmp_path: Path) -> None:
    path = _write_telco(tmp_path / "telco.csv", 40)

    result = runner.invoke(app, ["analytics", "churn-backtest", str(path)])

    assert result.exit_code == 2
    assert "at least" in result.output


def test_too_few_rows_counted_as_customers(tmp_path: Path) -> None:
    path = _write_telco(tmp_path / "telco.csv", 40)

    result = runner.invoke(app, ["analytics", "churn-backtest", str(path)])

    assert "40 customers" in result.output
    assert "renewal decisions" not in result.output


def test_empty_file_exits_2_with_message(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")

    result = runner.invoke(app, ["analytics", "churn-backtest", str(path)])

    assert result.exit_code == 2
    assert "is empty" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_files_read(tmp_path: Path, delimiter: str) -> None:
    path = _write_spanish(tmp_path / "clientes.csv", 50)
    text = path.read_text(encoding="utf-8").replace(",", delimiter)
    path.write_text(text, encoding="utf-8")

    table = load_customer_table(path)

    assert table.layout.name == "cuenty"
    assert table.rows == 50


def test_negative_tenure_names_column_and_line(tmp_path: Path) -> None:
    path = _write_telco(tmp_path / "telco.csv", 10)
    lines = path.read_text().splitlines()
    fields = lines[5].split(",")
    fields[1] = "-3"
    lines[5] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")

    with pytest.raises(CustomerTableError, match="column tenure, line 6: '-3' is negative"):
        load_customer_table(path)
