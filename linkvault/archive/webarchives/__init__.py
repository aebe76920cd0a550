"""The world's web archives, asked as a good citizen asks: one gate per service (its rate, its pauses, when to
stop), the lookups of copies (CDX, availability, TimeMaps) and the Save Page Now witness (issue 14)."""
