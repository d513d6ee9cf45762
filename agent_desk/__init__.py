"""Agent desk and live board over websockets (issue 5)."""
