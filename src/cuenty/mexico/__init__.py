"""Mexican reference data and identifier checks: states, postal codes, phones, CLABE, RFC, CURP.

Also the federal and banking business-day calendars. No business rules, database or HTTP.
"""

from cuenty.mexico.calendar import BusinessCalendar, banking_calendar, federal_calendar
from cuenty.mexico.clabe import InvalidClabe, bank_name, validate_clabe
from cuenty.mexico.phones import InvalidPhoneNumber, normalize_phone
from cuenty.mexico.postal_codes import InvalidPostalCode, state_for_postal_code
from cuenty.mexico.states import City, State, find_city, find_state, resolve_location
from cuenty.mexico.tax_ids import InvalidCurp, InvalidRfc, validate_curp, validate_rfc

__all__ = [
    "BusinessCalendar",
    "City",
    "InvalidClabe",
    "InvalidCurp",
    "InvalidPhoneNumber",
    "InvalidPostalCode",
    "InvalidRfc",
    "State",
    "bank_name",
    "banking_calendar",
    "federal_calendar",
    "find_city",
    "find_state",
    "normalize_phone",
    "resolve_location",
    "state_for_postal_code",
    "validate_clabe",
    "validate_curp",
    "validate_rfc",
]
