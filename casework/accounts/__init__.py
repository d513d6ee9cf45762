"""Users, roles, departments membership, passwords and login sessions."""
