from django.db import connection
from django.http import JsonResponse
from django.urls import path


def health(request):
    return JsonResponse({"status": "ok"})


def ready(request):
    with connection.cursor() as cursor:
        cursor.execute("select 1")
    return JsonResponse({"status": "ready"})


urlpatterns = [
    path("health/", health),
    path("ready/", ready),
]
