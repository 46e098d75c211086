"""End-to-end tests: the real tuichat command in tmux."""
