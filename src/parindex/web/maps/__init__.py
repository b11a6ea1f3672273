"""Maps of units coloured by index, class or change: a tile grid of the 34 provinces by default, administrator-uploaded GeoJSON boundaries when present."""
