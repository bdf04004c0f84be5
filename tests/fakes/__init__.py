"""Local stand-ins that speak the real protocols of Naba's external services."""
