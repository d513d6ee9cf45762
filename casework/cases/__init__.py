"""Cases: the service that runs the workflow, their storage, queries and HTTP handlers."""
