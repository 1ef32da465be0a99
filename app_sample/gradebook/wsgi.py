"""WSGI entry point: gunicorn serves `gradebook.wsgi:app`."""

from gradebook import create_app

app = create_app()
