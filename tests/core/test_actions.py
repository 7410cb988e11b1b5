"""propertydesk.actions.run_action: the one way a page runs a service."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from propertydesk.actions import run_action


class NoteForm(forms.Form):
    note = forms.CharField()


def post(data):
    request = RequestFactory().post("/", data)
    request.user = None
    request.session = SessionBase()
    request._messages = FallbackStorage(request)
    return request


def said(request):
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def page(form):
    return HttpResponse(" ".join(form.non_field_errors()) or "errors", status=400)


def refuse(message):
    def run(target, data, user, now):
        raise ValidationError(message)
    return run


def test_a_create_page_goes_to_what_it_made_and_says_so():
    request = post({"note": "hello"})
    response = run_action(request, form=NoteForm(request.POST), rerender=page,
                          run=lambda target, data, user, now: {"pk": 7, "note": data["note"]},
                          message=lambda made: f"Made {made['note']}.", done_url=lambda made: f"/made/{made['pk']}/")
    assert (response.status_code, response.url) == (302, "/made/7/")
    assert said(request) == [("success", "Made hello.")]


def test_a_refusal_without_a_page_to_go_back_to_stays_on_the_form():
    request = post({"note": "hello"})
    response = run_action(request, form=NoteForm(request.POST), rerender=page, run=refuse("Closed today."),
                          done_url=lambda made: "/made/")
    assert (response.status_code, response.content) == (400, b"Closed today.")
    assert said(request) == []


def test_a_refusal_goes_back_with_a_message_and_field_errors_stay_on_the_form():
    request = post({"note": "hello"})
    refused = run_action(request, form=NoteForm(request.POST), rerender=page, run=refuse("Closed today."),
                         back_url="/record/", done_url=lambda made: "/made/")
    assert (refused.status_code, refused.url) == (302, "/record/")
    assert said(request) == [("error", "Closed today.")]

    request = post({"note": "hello"})
    form = NoteForm(request.POST)
    on_field = run_action(request, form=form, rerender=page, run=refuse({"text": ["Too short."]}),
                          aliases={"text": "note"}, back_url="/record/")
    assert on_field.status_code == 400 and form.errors["note"] == ["Too short."]


def test_a_plain_button_says_what_run_returns_and_an_empty_message_says_nothing():
    request = post({})
    response = run_action(request, form=None, run=lambda target, data, user, now: f"Done with {target}.",
                          target="7", back_url="/record/")
    assert (response.url, said(request)) == ("/record/", [("success", "Done with 7.")])
    request = post({})
    run_action(request, form=None, run=lambda target, data, user, now: None, message="", back_url="/record/")
    assert said(request) == []
