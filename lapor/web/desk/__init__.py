"""The staff desk's screens: one thin handler module each, nested under the `staff` blueprint."""
