"""Cases, their workflow, storage and API: the core of the hotline platform."""
