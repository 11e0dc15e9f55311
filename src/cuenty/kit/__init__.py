"""Building blocks with no business rules: database, errors, i18n, logging, metrics, money.

Domain packages import from here; nothing here imports a domain package.
"""
