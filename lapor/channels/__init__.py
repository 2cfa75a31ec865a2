"""Intake channels other than the web: a registry of gateway adapters.

Each channel is one module ending in `register(...)`: a name (the `channel`
recorded on its reports and messages) and the blueprint its gateway calls.
`init_app` wires every registered channel into an app.
"""

from __future__ import annotations

from importlib import import_module

from flask import Blueprint, Flask

from lapor.extensions import csrf

CHANNEL_MODULES = ("lapor.channels.kannel", "lapor.channels.open311", "lapor.channels.subdomain")
_channels: dict[str, Channel] = {}


class Channel:
    """A gateway adapter: `name`, the `blueprint` its gateway calls, and its settings hook."""

    name: str
    blueprint: Blueprint

    def init_app(self, app: Flask) -> None:
        """Read the channel's settings from the environment when the app is created."""


def register(channel: Channel) -> Channel:
    _channels[channel.name] = channel
    return channel


def get_channel(name: str) -> Channel:
    _load()
    try:
        return _channels[name]
    except KeyError:
        raise LookupError(f"no channel named {name!r}; known: {sorted(_channels)}") from None


def init_app(app: Flask) -> None:
    """Register every channel's blueprint on `app`, exempt from CSRF (gateways hold no cookies)."""
    if "lapor.channels" in app.extensions:
        return
    _load()
    for channel in _channels.values():
        channel.init_app(app)
        csrf.exempt(channel.blueprint)
        app.register_blueprint(channel.blueprint)
    app.extensions["lapor.channels"] = sorted(_channels)


def _load() -> None:
    for module in CHANNEL_MODULES:
        import_module(module)
