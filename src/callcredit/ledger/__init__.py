"""Money moved by credit decisions: credits to and reversals from business balances."""
