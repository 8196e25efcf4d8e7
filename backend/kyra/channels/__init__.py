"""Chat channels a graph can be deployed to: a registry of deployers, one class per channel.

``base`` holds the contract (:class:`ChannelDeployer`), ``registry`` the lookup by name, and
each channel its own module (``telegram``). Third parties add deployers through the
``kyra.channels`` entry-point group.
"""

from __future__ import annotations

from kyra.channels.base import ChannelAuthError, ChannelDeployer, ChannelError, Deployment, Inbound
from kyra.channels.registry import ChannelRegistry, default_channels

__all__ = [
    "ChannelAuthError",
    "ChannelDeployer",
    "ChannelError",
    "ChannelRegistry",
    "Deployment",
    "Inbound",
    "default_channels",
]
