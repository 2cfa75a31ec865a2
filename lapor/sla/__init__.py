"""SLA core: working-day calendars and deadline arithmetic (DESIGN §4)."""
