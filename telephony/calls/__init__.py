"""Calls: the live call model (model.py), call records (records.py) stored by storage.py, and the
service and live pipeline that tie them to the PBX link and the database (service.py)."""
