"""WMA and PBX recordings linked to calls and cases (issue 6)."""
