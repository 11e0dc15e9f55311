"""Property tests: no input makes the statement parser raise anything but StatementFormatError."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cuenty.payments.statements import ParsedStatement, StatementFormatError, parse

SAMPLES = Path(__file__).parent / "samples"
SEEDS = [path.read_bytes() for path in sorted(SAMPLES.iterdir())]
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _parse_or_reject(data: bytes) -> None:
    try:
        result = parse(data, "fuzz")
    except StatementFormatError:
        return
    assert isinstance(result, ParsedStatement)


@st.composite
def mutated_samples(draw: st.DrawFn) -> bytes:
    """A sample with a slice cut out, a slice replaced, or cut short."""
    data = draw(st.sampled_from(SEEDS))
    start = draw(st.integers(0, len(data)))
    end = draw(st.integers(start, min(len(data), start + 40)))
    action = draw(st.sampled_from(["cut", "replace", "truncate"]))
    if action == "truncate":
        return data[:start]
    replacement = b"" if action == "cut" else draw(st.binary(max_size=20))
    return data[:start] + replacement + data[end:]


@PROPERTY_SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _parse_or_reject(data)


@PROPERTY_SETTINGS
@given(mutated_samples())
def test_mutated_samples(data: bytes) -> None:
    _parse_or_reject(data)


@PROPERTY_SETTINGS
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list(":0123456789CDRNTFMX,/- \n")), max_size=30),
        max_size=12,
    )
)
def test_mt940_like_text(tags: list[str]) -> None:
    text = (
        ":20:X\n:25:ACC\n:28C:1/1\n:60F:C261201MXN1,00\n"
        + "".join(f":61:{tag}\n" for tag in tags)
        + ":62F:C261201MXN1,00\n"
    )
    _parse_or_reject(text.encode())


@PROPERTY_SETTINGS
@given(st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=7), max_size=8))
def test_bank_csv_like_rows(rows: list[list[str]]) -> None:
    body = "\n".join(",".join(f'"{cell}"' for cell in row) for row in rows)
    _parse_or_reject(("Fecha,Concepto / Referencia,Cargo,Abono,Saldo\n" + body).encode())
