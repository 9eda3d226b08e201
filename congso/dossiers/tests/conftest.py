"""The clock fixture lives in the project conftest."""
