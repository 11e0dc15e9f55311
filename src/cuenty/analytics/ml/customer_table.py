"""Exported customer tables for `cuenty analytics churn-backtest`: one row per customer, in
the IBM telco layout or CUENTY's Spanish layout, turned into a churn dataset.

Columns (telco name / Spanish name):
    customerID / id_cliente            customer id (not a feature)
    tenure / meses_antiguedad          tenure in months
    Contract / plan                    plan or contract type (one-hot encoded)
    MonthlyCharges / monto_mensual     monthly amount
    PaymentMethod / metodo_pago        payment method (one-hot encoded)
    Churn / cancelo                    churned: Yes/No, Sí/No, 1/0, true/false
Every other column whose values are all yes/no (or 0/1) is an add-on flag. Any other text
column with at most MAX_CATEGORIES values is one-hot encoded. Other columns are ignored,
such as TotalCharges, which is tenure times the monthly amount.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cuenty.analytics.ml.churn import ChurnDataset

if TYPE_CHECKING:
    import pandas as pd

MAX_CATEGORIES = 10
# Tried in this order, so a header with as many commas as semicolons is read with commas.
DELIMITERS = (",", ";", "\t")
YES = {"yes", "si", "1", "true", "y", "s"}
NO = {"no", "0", "false", "n"}


@dataclass(frozen=True)
class Layout:
    name: str
    customer_id: str
    tenure: str
    plan: str
    monthly_amount: str
    payment_method: str
    churned: str

    @property
    def required(self) -> list[str]:
        return [
            self.customer_id,
            self.tenure,
            self.plan,
            self.monthly_amount,
            self.payment_method,
            self.churned,
        ]


TELCO = Layout(
    "telco", "customerID", "tenure", "Contract", "MonthlyCharges", "PaymentMethod", "Churn"
)
SPANISH = Layout(
    "cuenty", "id_cliente", "meses_antiguedad", "plan", "monto_mensual", "metodo_pago", "cancelo"
)
LAYOUTS = (TELCO, SPANISH)


class CustomerTableError(ValueError):
    """Raised for a file that is not a customer table in one of the documented layouts."""


@dataclass(frozen=True)
class CustomerTable:
    layout: Layout
    dataset: ChurnDataset
    rows: int


def load_customer_table(path: Path) -> CustomerTable:
    """Read the CSV, detect its layout and build numeric features and 0/1 labels."""
    import pandas as pd

    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            sep=_delimiter(path),
        )
    except pd.errors.EmptyDataError as error:
        raise CustomerTableError(
            f"{path} is empty; export the customer table with a header line and one row per "
            "customer"
        ) from error
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise CustomerTableError(f"cannot read {path} as CSV: {error}") from error
    frame.columns = [column.strip() for column in frame.columns]
    layout = detect_layout(list(frame.columns))
    labels = _flags(frame[layout.churned], layout.churned)
    features = build_features(frame, layout)
    dataset = ChurnDataset(features, labels.to_numpy(), unit="customers")
    return CustomerTable(layout, dataset, len(frame))


def _delimiter(path: Path) -> str:
    """Return the delimiter of the header line: a comma, a semicolon or a tab.

    Excel writes "CSV" with the list separator of the computer's regional settings, which is
    a semicolon in many locales, and some exports use tabs.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = handle.readline()
    except (OSError, UnicodeDecodeError):
        return ","  # pandas reports the same error with its own message
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def detect_layout(columns: list[str]) -> Layout:
    for layout in LAYOUTS:
        if all(column in columns for column in layout.required):
            return layout
    closest = max(LAYOUTS, key=lambda layout: sum(c in columns for c in layout.required))
    missing = [column for column in closest.required if column not in columns]
    raise CustomerTableError(
        f"missing column(s) {', '.join(missing)} of the {closest.name} layout; "
        f"expected {', '.join(TELCO.required)} or {', '.join(SPANISH.required)}"
    )


def build_features(frame: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    import pandas as pd

    features = pd.DataFrame(index=frame.index)
    features["tenureMonths"] = _numbers(frame[layout.tenure], layout.tenure)
    _not_negative(features["tenureMonths"], frame[layout.tenure], layout.tenure)
    features["monthlyAmount"] = _numbers(frame[layout.monthly_amount], layout.monthly_amount)
    categorical = [layout.plan, layout.payment_method]
    used = set(layout.required)
    for column in frame.columns:
        if column in used:
            continue
        values = {_normalized(value) for value in frame[column]}
        if values <= YES | NO:
            features[f"addon:{column}"] = _flags(frame[column], column)
        elif len(values) <= MAX_CATEGORIES and not _looks_numeric(frame[column]):
            categorical.append(column)
    for column in categorical:
        dummies = pd.get_dummies(frame[column].str.strip(), prefix=column, prefix_sep=":")
        features = pd.concat([features, dummies.astype(float)], axis=1)
    return features


def _numbers(column: pd.Series, name: str) -> pd.Series:
    import pandas as pd

    # NOTE: commas are read as thousands separators, so a semicolon file written with decimal
    # commas ("45,50") turns 45.50 into 4550.

    numbers = pd.to_numeric(column.str.strip().str.replace(",", "", regex=False), errors="coerce")
    bad = numbers[numbers.isna()]
    if len(bad):
        row = int(bad.index[0]) + 2  # 1-based, after the header line
        raise CustomerTableError(
            f"column {name}, line {row}: {column[bad.index[0]]!r} is not a number"
        )
    return numbers.astype(float)


def _not_negative(numbers: pd.Series, column: pd.Series, name: str) -> None:
    negative = numbers[numbers < 0]
    if len(negative):
        row = int(negative.index[0]) + 2
        raise CustomerTableError(
            f"column {name}, line {row}: {column[negative.index[0]]!r} is negative; "
            "tenure counts months since the customer signed up, from 0"
        )


def _flags(column: pd.Series, name: str) -> pd.Series:
    normalized = column.map(_normalized)
    unknown = normalized[~normalized.isin(YES | NO)]
    if len(unknown):
        row = int(unknown.index[0]) + 2
        raise CustomerTableError(
            f"column {name}, line {row}: {column[unknown.index[0]]!r} is not yes/no, sí/no or 1/0"
        )
    return normalized.isin(YES).astype(int)


def _normalized(value: str) -> str:
    text = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(character for character in text if not unicodedata.combining(character))


def _looks_numeric(column: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.to_numeric(column.str.strip(), errors="coerce").notna().mean() > 0.9)
