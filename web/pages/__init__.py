"""Server-rendered pages, one module per area; handlers parse, call one service function, render."""
