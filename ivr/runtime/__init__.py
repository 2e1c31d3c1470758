"""The bot process watching itself: event-loop lag and a status file other processes can read."""
