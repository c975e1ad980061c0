"""What happens between the model's text and the user: the streaming answer, its prompt and citations."""
