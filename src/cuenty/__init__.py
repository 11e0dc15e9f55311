"""CUENTY: subscriptions to digital services for customers in Mexico, paid by SPEI and CoDi.

The package contains every service of the platform; `cuenty.app.create_app` assembles them.
"""

__version__ = "0.1.0"
