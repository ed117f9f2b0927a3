"""Words: figures as text, headlines by the plan's status, the terminal, checked claims."""
