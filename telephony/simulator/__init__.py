"""A simulated Asterisk 20 speaking AMI over TCP, with a 12345 hotline queue, its agents and calls.

It writes the protocol itself (asyncio streams); panoramisk is a client and is not used here.
"""
from .calls import CallPlan
from .config import AgentSpec, SimulatorConfig, default_agents, local_agents
from .model import ChannelInfo, EntryInfo, MemberInfo
from .runner import main, run_simulator
from .server import PbxSimulator
from .traffic import TrafficProfile

__all__ = ["AgentSpec", "CallPlan", "ChannelInfo", "EntryInfo", "MemberInfo", "PbxSimulator", "SimulatorConfig",
           "TrafficProfile", "default_agents", "local_agents", "main", "run_simulator"]
