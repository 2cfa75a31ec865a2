"""Page texts of the citizens' site and the staff desk: Bahasa Indonesia first, English beside it."""

WEB_MESSAGES: dict[str, tuple[str, str]] = {
}
