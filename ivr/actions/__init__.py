"""6. Act: the side effects a call leaves behind (callbacks dialled later, SMS through a gateway, stored actions)."""
