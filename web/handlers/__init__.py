"""JSON API handlers, one module per concept: parse, call one service function, respond."""
