"""The aiohttp application: app factory, middlewares, API registry, command line."""
