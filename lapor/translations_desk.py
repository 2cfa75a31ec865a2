"""Texts of the staff desk and the coordinators' screens: Bahasa Indonesia first, English beside it."""

DESK_MESSAGES: dict[str, tuple[str, str]] = {
}
