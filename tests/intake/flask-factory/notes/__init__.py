import os

from flask import Flask, jsonify


def create_app(config=None):
    app = Flask(__name__)
    app.config["GREETING"] = os.environ.get("GREETING", "hello")
    if config:
        app.config.update(config)

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    @app.get("/")
    def index():
        return jsonify(message=app.config["GREETING"])

    return app
