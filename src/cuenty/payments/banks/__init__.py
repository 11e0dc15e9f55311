"""Bank gateways: balances and movements of the company's accounts, read from bank APIs
(STP, BBVA, Santander, Banorte) or from imported statements, served under /v1/banking."""
