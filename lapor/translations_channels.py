"""Texts of the channels (agency subdomains, Open311, notifications): Indonesian first, English beside it."""

CHANNEL_MESSAGES: dict[str, tuple[str, str]] = {
}
