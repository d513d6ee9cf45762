"""AMI messages → domain events (telephony.events): the one place AMI dicts become events.

core.py follows calls and maps each message; local_legs.py pairs Local ;1/;2 halves; resync.py reads
a resync's list items; values.py reads field values.
"""
from telephony.mapper.core import CASE_ID, PURPOSE, RECORDING, WATCHED_VARIABLES, AmiMapper
from telephony.mapper.local_legs import LocalLegs, local_partner
from telephony.mapper.values import interface_of, member_state

__all__ = ["AmiMapper", "CASE_ID", "LocalLegs", "PURPOSE", "RECORDING", "WATCHED_VARIABLES", "interface_of",
           "local_partner", "member_state"]
