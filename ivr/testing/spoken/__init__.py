"""The project's spoken evaluation set: citizen questions, rendered by voices that are not the bot's own."""
