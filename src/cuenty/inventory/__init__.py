"""Account inventory: service accounts and profiles, with credentials encrypted at rest."""
