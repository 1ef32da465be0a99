import json

from django.http import JsonResponse

from notes.models import Note


def notes(request):
    if request.method == "POST":
        note = Note.objects.create(text=json.loads(request.body or b"{}").get("text", ""))
        return JsonResponse({"id": note.id, "text": note.text}, status=201)
    return JsonResponse([{"id": n.id, "text": n.text} for n in Note.objects.order_by("id")], safe=False)
