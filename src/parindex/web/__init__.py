"""The Django web application. See issue 3."""
