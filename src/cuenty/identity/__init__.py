"""Identity: user accounts and their roles (the auth service)."""
