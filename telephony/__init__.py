"""Asterisk AMI link, live call model and PBX simulator (issue 4)."""
