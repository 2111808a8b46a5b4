class StoreError(RuntimeError):
    """The store cannot be used as asked (wrong embedding model, unreachable server, newer schema…)."""
