"""Channel deployers by name; a duplicate name fails at registration, not at run time."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from kyra.channels.base import ChannelDeployer

#: Entry-point group third-party packages use to add channel deployers.
ENTRY_POINT_GROUP = "kyra.channels"


class ChannelRegistry:
    """Deployer classes by :attr:`ChannelDeployer.name`."""

    def __init__(self) -> None:
        self._deployers: dict[str, type[ChannelDeployer]] = {}

    def register(self, deployer: type[ChannelDeployer]) -> type[ChannelDeployer]:
        """Add ``deployer`` (usable as a class decorator).

        Raises:
            ValueError: no name, no trigger type, or the name is already registered.
        """
        if not deployer.name or not deployer.trigger_type or not deployer.credential_kind:
            raise ValueError(f"{deployer.__name__} must set name, trigger_type, credential_kind")
        if deployer.name in self._deployers:
            raise ValueError(f"A channel deployer named {deployer.name!r} is already registered.")
        self._deployers[deployer.name] = deployer
        return deployer

    def get(self, name: str) -> type[ChannelDeployer] | None:
        return self._deployers.get(name)

    @property
    def names(self) -> list[str]:
        return sorted(self._deployers)


@lru_cache
def default_channels() -> ChannelRegistry:
    """The built-in deployers plus those installed through entry points."""
    from kyra.channels.telegram import TelegramDeployer

    registry = ChannelRegistry()
    registry.register(TelegramDeployer)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        registry.register(entry.load())
    return registry
