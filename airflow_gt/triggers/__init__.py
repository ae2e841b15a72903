"""Deferrable triggers, in the installed package so a triggerer can import them; ``base.py`` owns
serialization and the polling loop, one module per service says what to check."""
