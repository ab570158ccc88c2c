"""Users' corrections of the model: stored (``store``), exported as training data (``export``), counted
(``stats``), and the segments most worth correcting next (``suggest``).

The HTTP side (`POST /v1/feedback`) is ``serve.feedback``; the commands are ``parley.feedback_cli``.
"""
