"""The JSON API: students, their grades, and a cached per-course average."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue
from psycopg.errors import UniqueViolation
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gradebook import cache, db
from gradebook.models import COURSE_MAX_LENGTH, NAME_MAX_LENGTH, SCORE_MAX, SCORE_MIN, Grade, Student

AVERAGE_TTL_SECONDS = 30
SLOW_MAX_SECONDS = 40  # enough to outlast gunicorn's 30 s worker timeout, short enough to do no harm

api = Blueprint("api", __name__)


@api.post("/students")
def create_student() -> ResponseReturnValue:
    name = _text_field(_json_object(), "name", max_length=NAME_MAX_LENGTH)
    with db.new_session() as session:
        student = Student(name=name)
        session.add(student)
        try:
            session.commit()
        except IntegrityError as exc:
            if isinstance(exc.orig, UniqueViolation):
                abort(409, f"a student named {name!r} already exists")
            raise
    return jsonify(student.to_dict()), 201


@api.get("/students")
def list_students() -> ResponseReturnValue:
    with db.new_session() as session:
        students = session.scalars(select(Student).order_by(Student.id)).all()
    return jsonify([student.to_dict() for student in students])


@api.post("/students/<int:student_id>/grades")
def add_grade(student_id: int) -> ResponseReturnValue:
    body = _json_object()
    course = _course_name(_text_field(body, "course", max_length=COURSE_MAX_LENGTH))
    score = _score(body)
    with db.new_session() as session:
        _require_student(session, student_id)
        grade = Grade(student_id=student_id, course=course, score=score)
        session.add(grade)
        session.commit()
    # After the commit: deleting before it would let a reader re-cache the old average straight away.
    # A reader already mid-query can still cache it; the short TTL bounds how long that lasts.
    cache.delete(_average_key(course))
    return jsonify(grade.to_dict()), 201


@api.get("/students/<int:student_id>/grades")
def list_grades(student_id: int) -> ResponseReturnValue:
    with db.new_session() as session:
        _require_student(session, student_id)
        grades = session.scalars(select(Grade).where(Grade.student_id == student_id).order_by(Grade.id)).all()
    return jsonify([grade.to_dict() for grade in grades])


@api.get("/courses/<course>/average")
def course_average(course: str) -> ResponseReturnValue:
    course = _course_name(course)
    key = _average_key(course)
    cached = cache.get_json(key)
    if cached is not None:
        return jsonify(cached), 200, {"X-Cache": "HIT"}
    with db.new_session() as session:
        average, count = session.execute(
            select(func.avg(Grade.score), func.count(Grade.id)).where(Grade.course == course)
        ).one()
    body = {"course": course, "average": None if average is None else round(float(average), 2), "count": count}
    cache.set_json(key, body, ttl_seconds=AVERAGE_TTL_SECONDS)
    return jsonify(body), 200, {"X-Cache": "MISS"}


@api.get("/slow")
def slow_query() -> ResponseReturnValue:
    """A query that takes `?seconds=` (at most 40): how the app behaves when a request outlives the worker timeout."""
    seconds = _seconds(request.args.get("seconds", "1"))
    with db.new_session() as session:
        session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
    return jsonify({"slept": seconds})

def _average_key(course: str) -> str:
    return f"gradebook:course-average:{course}"


def _course_name(course: str) -> str:
    # One spelling per course, so "Math" and "math" share grades and one cache entry.
    return course.strip().lower()


def _require_student(session: Session, student_id: int) -> None:
    if session.get(Student, student_id) is None:
        abort(404, f"no student with id {student_id}")


def _json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "the request body must be a JSON object")
    return body


def _text_field(body: dict[str, Any], field: str, *, max_length: int) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        abort(400, f"{field!r} must be a non-empty string")
    if len(value.strip()) > max_length:
        abort(400, f"{field!r} must be at most {max_length} characters")
    return value.strip()


def _score(body: dict[str, Any]) -> int:
    value = body.get("score")
    # bool is an int in Python, but `true` is not a score.
    if isinstance(value, bool) or not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX:
        abort(400, f"'score' must be a whole number from {SCORE_MIN} to {SCORE_MAX}")
    return value


def _seconds(raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        abort(400, "'seconds' must be a number")
    if not 0 <= seconds <= SLOW_MAX_SECONDS:
        abort(400, f"'seconds' must be from 0 to {SLOW_MAX_SECONDS}")
    return seconds
