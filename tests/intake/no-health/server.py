from flask import Flask, jsonify

application = Flask(__name__)
ITEMS = ["tea", "coffee"]


@application.route("/")
def index():
    return "menu\n"


@application.route("/items")
def items():
    return jsonify(ITEMS)
