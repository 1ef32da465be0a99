from django.http import HttpResponse
from django.urls import path


def home(request):
    return HttpResponse("<link rel=stylesheet href=/static/site.css><h1>Shop</h1>")


urlpatterns = [path("", home)]
