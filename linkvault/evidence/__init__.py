"""Seal and pack: the evidence summary of a report's sources, its pack (WACZ) and the audit of a vault or a pack."""
