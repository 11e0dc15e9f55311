"""Santander México account movement export (CSV or TXT) as CUENTY reads it.

NOTE: no published specification of this export was found, so the layout below is the one
CUENTY implements. A file whose header differs is rejected as an unknown format.

Layout: one header row, found within the first 15 lines, with the columns `Cuenta`, `Fecha`,
`Hora`, `Sucursal`, `Descripción`, `Cargo/Abono`, `Importe`, `Saldo`, `Referencia` and
`Concepto`, in any order and separated by commas, semicolons, tabs or vertical bars; `Hora`
and `Sucursal` are not read. `Fecha`
is dd/mm/yyyy (ddmmyyyy and a leading apostrophe are accepted) and is both the booking and the
value date. `Cargo/Abono` is "+" for a credit and "-" for a debit; `Importe` is the unsigned
amount such as "$5,127.17". `Referencia` is the bank's reference and, when it has 1 to 7
digits and is not all zeros, the referencia numérica. The clave de rastreo, CLABE and payer
name are read from labels inside `Descripción` and `Concepto`. Amounts are in pesos (MXN).
"""

from __future__ import annotations

from cuenty.payments.statements.bank_csv import CsvLayout
from cuenty.payments.statements.model import StatementFormat

LAYOUT = CsvLayout(
    format=StatementFormat.SANTANDER_CSV,
    account="CUENTA",
    booking_date="FECHA",
    description=("DESCRIPCION", "CONCEPTO"),
    sign="CARGO/ABONO",
    amount="IMPORTE",
    balance="SALDO",
    reference="REFERENCIA",
    reference_is_numeric=True,
)
