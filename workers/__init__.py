"""RQ job entry points and the periodic schedule."""
