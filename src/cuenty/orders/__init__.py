"""Orders: what a customer buys, its totals, its states and its fulfilment."""
