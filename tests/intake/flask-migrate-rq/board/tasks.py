from board import create_app, db
from board.models import Post

app = create_app()


def add_post(body):
    with app.app_context():
        db.session.add(Post(body=body))
        db.session.commit()
