from flask import Flask, jsonify


def create_app():
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    @app.post("/send")
    def send():
        from mailer.tasks import deliver

        return jsonify(id=deliver.delay("hello").id), 202

    return app
