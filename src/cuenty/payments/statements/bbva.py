"""BBVA México account movement export (CSV or TXT) as CUENTY reads it.

NOTE: no published specification of this export was found, so the layout below is the one
CUENTY implements. A file whose header differs is rejected as an unknown format.

Layout: one header row, found within the first 15 lines, with the columns
`Fecha`, `Concepto / Referencia`, `Cargo`, `Abono` and `Saldo`, in any order and separated by
commas, semicolons, tabs or vertical bars. `Fecha` is dd/mm/yyyy and is both the booking and
the value date. `Cargo` (debit) and `Abono` (credit) hold an unsigned amount such as
"$5,127.17"; exactly one of them is filled on each line. The clave de rastreo, referencia
numérica, CLABE and payer name are read from labels inside `Concepto / Referencia`
("CVE RASTREO", "REF", "ORDENANTE:"). Amounts are in pesos (MXN).
"""

from __future__ import annotations

from cuenty.payments.statements.bank_csv import CsvLayout
from cuenty.payments.statements.model import StatementFormat

LAYOUT = CsvLayout(
    format=StatementFormat.BBVA_CSV,
    booking_date="FECHA",
    description=("CONCEPTO / REFERENCIA",),
    debit="CARGO",
    credit="ABONO",
    balance="SALDO",
)
