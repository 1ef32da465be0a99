from flask import Flask
from flask_babel import Babel, gettext


def get_locale():
    return "de"


def create_app():
    app = Flask(__name__)
    Babel(app, locale_selector=get_locale)

    @app.route("/")
    def index():
        return gettext("Welcome")

    @app.route("/health")
    def health():
        return "ok"

    return app
