"""Banorte account movement export (CSV or TXT) as CUENTY reads it.

NOTE: no published specification of this export was found, so the layout below is the one
CUENTY implements. A file whose header differs is rejected as an unknown format.

Layout: one header row, found within the first 15 lines, with the columns `Cuenta`,
`Fecha De Operación`, `Fecha`, `Referencia`, `Descripción`, `Depósitos`, `Retiros`, `Saldo`
and `Descripción Detallada`, in any order and separated by commas, semicolons, tabs or
vertical bars; other columns (such as `Cod. Transacc` and `Sucursal`) are ignored.
`Fecha De Operación` is the booking date and `Fecha` the value date, both dd/mm/yyyy.
`Depósitos` (credit) and `Retiros` (debit) hold an unsigned amount such as "$5,127.17";
exactly one of them is filled on each line. `Referencia` is the bank's reference. The clave de
rastreo, referencia numérica, CLABE and payer name are read from labels inside
`Descripción Detallada` ("CLAVE DE RASTREO:", "REFERENCIA NUMERICA:", "CUENTA ORDENANTE:",
"ORDENANTE:"). Amounts are in pesos (MXN).
"""

from __future__ import annotations

from cuenty.payments.statements.bank_csv import CsvLayout
from cuenty.payments.statements.model import StatementFormat

LAYOUT = CsvLayout(
    format=StatementFormat.BANORTE_CSV,
    account="CUENTA",
    booking_date="FECHA DE OPERACION",
    value_date="FECHA",
    description=("DESCRIPCION", "DESCRIPCION DETALLADA"),
    credit="DEPOSITOS",
    debit="RETIROS",
    balance="SALDO",
    reference="REFERENCIA",
)
