"""Privacy compliance under the LFPDPPP of 2025: ARCO requests, consent, privacy notices,
the audit trail, security incidents and reports for the authority (SABG).

Other packages use `compliance.personal_data` to register their personal data and
`compliance.consents.allows` before processing for a secondary purpose.
"""

from cuenty.compliance import consents
from cuenty.compliance.registry import personal_data

__all__ = ["consents", "personal_data"]
