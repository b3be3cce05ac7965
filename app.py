"""What `flask --app app` and gunicorn (app:app) load."""
from bot import create_app

app = create_app()
