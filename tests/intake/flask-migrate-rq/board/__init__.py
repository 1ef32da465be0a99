import os

from flask import Flask, jsonify
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from redis import Redis
from rq import Queue
from sqlalchemy import text

db = SQLAlchemy()
migrate = Migrate()


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite:///board.db")
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    db.init_app(app)
    migrate.init_app(app, db)
    app.redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
    app.task_queue = Queue("board-tasks", connection=app.redis)

    from board import models

    @app.route("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.route("/ready")
    def ready():
        db.session.execute(text("select 1"))
        app.redis.ping()
        return jsonify(status="ready")

    @app.route("/posts")
    def posts():
        return jsonify([p.body for p in models.Post.query.all()])

    return app
