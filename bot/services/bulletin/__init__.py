"""The weekly fraud-map bulletin: areas, case import, weekly figures, text, map and trend pictures."""
