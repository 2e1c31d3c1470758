"""8. Speaking: a paced player with barge-in."""
