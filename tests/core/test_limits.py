"""Every text field has one limit that the database, the forms and the API agree on;
dates are held to the business range and numbers must be numbers (issue 13).

The walks below look at every model, form and API input of the project, so a field
added without a limit fails here rather than as a two-million-character complaint."""

import datetime as dt
import importlib
import re
from decimal import Decimal

import pghistory.models
import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.urls import get_resolver
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from encrypted_fields.fields import EncryptedFieldMixin
from rest_framework import serializers

from callbacks.models import CallbackResult, SpotCheck
from complaints.models import Complaint, ComplaintEvent, Suggestion
from fees.models import Payment
from owners.models import Owner
from propertydesk import limits
from repairs.models import WorkOrder

PROJECT_APPS = {"propertydesk", "owners", "complaints", "repairs", "callbacks", "fees", "renovation", "pages"}
DATE_VALIDATORS = {limits.validate_business_date, limits.validate_history_date}


def project_models():
    # The audit history's tables (propertydesk/audit.py) are written by triggers alone, with
    # copies of the bounded columns above and pghistory's own label (insert/update/delete).
    return [model for model in apps.get_models()
            if model._meta.app_label in PROJECT_APPS and not issubclass(model, pghistory.models.Event)]


def test_no_project_model_keeps_an_unbounded_text_column():
    text_fields = [f"{model.__name__}.{field.name}" for model in project_models()
                   for field in model._meta.local_fields if type(field) is models.TextField]
    assert text_fields == []


def test_every_text_column_has_a_database_limit():
    unbounded = []
    for model in project_models():
        for field in model._meta.local_fields:
            if not isinstance(field, (models.CharField, models.TextField)):
                continue
            if isinstance(field, EncryptedFieldMixin):
                # The column holds ciphertext, longer than the text; the plaintext's
                # max_length is checked by the forms, the API and the services.
                if field.max_length is None:
                    unbounded.append(f"{model.__name__}.{field.name}")
                continue
            if not re.fullmatch(r"varchar\(\d+\)", field.db_type(connection) or ""):
                unbounded.append(f"{model.__name__}.{field.name} ({field.db_type(connection)})")
    assert unbounded == []


# (form or serializer, its field) → the model field it writes: the main write paths.
def _form(path):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


WRITE_PATHS = [
    ("complaints.forms.IntakeForm", "description", Complaint, "description"),
    ("complaints.forms.IntakeForm", "location", Complaint, "location"),
    ("complaints.forms.IntakeForm", "contact_name", Complaint, "contact_name"),
    ("complaints.forms.PortalComplaintForm", "description", Complaint, "description"),
    ("complaints.forms.ProgressForm", "note", ComplaintEvent, "note"),
    ("complaints.forms.ResolveForm", "resolution", Complaint, "resolution"),
    ("complaints.forms.PortalSuggestionForm", "content", Suggestion, "content"),
    ("complaints.forms.DecideForm", "reply", Suggestion, "reply"),
    ("repairs.forms.RegisterForm", "description", WorkOrder, "description"),
    ("repairs.forms.RegisterForm", "requester_name", WorkOrder, "requester_name"),
    ("repairs.forms.JudgeForm", "explanation", WorkOrder, "refusal_reason"),
    ("callbacks.forms.PerformForm", "quality", CallbackResult, "quality"),
    ("callbacks.forms.PerformForm", "owner_words", CallbackResult, "owner_words"),
    ("callbacks.forms.PerformForm", "shortcomings", CallbackResult, "shortcomings"),
    ("callbacks.forms.CorrectForm", "suggestions", CallbackResult, "suggestions"),
    ("callbacks.forms.CorrectForm", "effect", CallbackResult, "effect"),
    ("callbacks.forms.SpotCheckForm", "note", SpotCheck, "note"),
    ("callbacks.views.portal.PortalAnswerForm", "quality", CallbackResult, "quality"),
    ("fees.forms.PaymentForm", "payer_name", Payment, "payer_name"),
    ("owners.forms.OwnerForm", "name", Owner, "name"),
    ("owners.forms.OwnerForm", "address", Owner, "address"),
    ("owners.forms.OwnerForm", "special_needs_note", Owner, "special_needs_note"),
]
API_WRITE_PATHS = [
    ("complaints.api.ComplaintCreateSerializer", "description", Complaint, "description"),
    ("complaints.api.ComplaintCreateSerializer", "location", Complaint, "location"),
    ("complaints.api.ResolveSerializer", "resolution", Complaint, "resolution"),
    ("complaints.api.SuggestionCreateSerializer", "content", Suggestion, "content"),
    ("repairs.api.WorkOrderCreateSerializer", "description", WorkOrder, "description"),
    ("callbacks.api.CallbackPerformSerializer", "owner_words", CallbackResult, "owner_words"),
    ("callbacks.api.CallbackPerformSerializer", "quality", CallbackResult, "quality"),
    ("callbacks.api.CallbackCorrectSerializer", "shortcomings", CallbackResult, "shortcomings"),
    ("fees.api.PaymentCreateSerializer", "payer_name", Payment, "payer_name"),
    ("owners.api.OwnerSerializer", "special_needs_note", Owner, "special_needs_note"),
    ("owners.api.OwnerSerializer", "name", Owner, "name"),
]


@pytest.mark.parametrize("form, field, model, column", WRITE_PATHS,
                         ids=[f"{f.rsplit('.', 1)[1]}.{n}" for f, n, _m, _c in WRITE_PATHS])
def test_a_form_field_takes_as_much_text_as_the_column_it_writes(form, field, model, column):
    assert _form(form).base_fields[field].max_length == limits.max_length(model, column)


@pytest.mark.parametrize("serializer, field, model, column", API_WRITE_PATHS,
                         ids=[f"{s.rsplit('.', 1)[1]}.{n}" for s, n, _m, _c in API_WRITE_PATHS])
def test_an_api_field_takes_as_much_text_as_the_column_it_writes(serializer, field, model, column):
    assert _form(serializer)().fields[field].max_length == limits.max_length(model, column)


def _project_forms():
    get_resolver().url_patterns  # import every view module, and with it every form
    found, todo = set(), list(forms.BaseForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_APPS - {"propertydesk"} or cls.__module__.startswith("propertydesk."):
            found.add(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def test_every_text_box_of_every_form_has_a_limit():
    unbounded = [f"{form.__module__}.{form.__name__}.{name}" for form in _project_forms()
                 for name, field in form.base_fields.items()
                 if isinstance(field, forms.CharField) and field.max_length is None]
    assert unbounded == []


def test_every_date_box_of_every_form_is_held_to_the_business_dates():
    unbounded = [f"{form.__module__}.{form.__name__}.{name}" for form in _project_forms()
                 for name, field in form.base_fields.items()
                 if isinstance(field, (forms.DateField, forms.DateTimeField))
                 and not DATE_VALIDATORS & set(field.validators)]
    assert unbounded == []


def _api_inputs():
    """(where, serializer field or form field) for every request body field and every
    filter of the API, as the schema generator finds the endpoints."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    seen = set()
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        view.schema.view, view.schema.method, view.schema.path = view, method, path
        if method in ("POST", "PUT", "PATCH"):
            serializer = view.schema.get_request_serializer()
            if isinstance(serializer, type):
                serializer = serializer()
            if isinstance(serializer, serializers.BaseSerializer):
                for name, field in getattr(serializer, "fields", {}).items():
                    where = f"{method} {path} {name}"
                    if not field.read_only and where not in seen:
                        seen.add(where)
                        yield where, field
                        if isinstance(field, serializers.ListSerializer):
                            for sub, child in field.child.fields.items():
                                if not child.read_only:
                                    yield f"{where}.{sub}", child
        filterset = getattr(view, "filterset_class", None)
        if method == "GET" and filterset is not None:
            for name, flt in filterset.base_filters.items():
                where = f"GET {path} ?{name}"
                if where not in seen:
                    seen.add(where)
                    yield where, flt.field


def test_every_text_input_of_the_api_has_a_limit():
    unbounded = [where for where, field in _api_inputs()
                 if isinstance(field, (serializers.CharField, forms.CharField)) and field.max_length is None]
    assert unbounded == []


def test_every_date_input_of_the_api_is_held_to_the_business_dates():
    dates = (serializers.DateField, serializers.DateTimeField, forms.DateField, forms.DateTimeField)
    unbounded = [where for where, field in _api_inputs()
                 if isinstance(field, dates) and not DATE_VALIDATORS & set(field.validators)]
    assert unbounded == []


# ---- the core helpers ------------------------------------------------------------------------


def test_check_fields_names_each_field_past_its_column():
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        limits.check_fields(Complaint, {"description": "x" * 4001, "location": "y" * 200, "contact_name": None})
    assert refused.value.message_dict == {
        "description": ["Ensure this value has at most 4000 characters (it has 4001)."]}


def test_check_fields_names_the_argument_when_it_fills_a_column_of_another_name():
    with pytest.raises(ValidationError) as refused:
        limits.check_fields(ComplaintEvent, {"reason": "x" * 2001}, columns={"reason": "note"})
    assert list(refused.value.message_dict) == ["reason"]


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"),
                                    float("nan"), float("inf"), "NaN"])
def test_an_amount_that_is_not_a_number_is_refused_on_its_field(amount):
    with translation.override("en"):
        assert limits.field_errors(Payment, {"amount": amount}) == {"amount": ["Enter a number."]}


@pytest.mark.parametrize("amount", [Decimal("1e30"), Decimal("10000000000")])
def test_an_amount_past_the_columns_digits_is_refused_on_its_field(amount):
    assert list(limits.field_errors(Payment, {"amount": amount})) == ["amount"]


@pytest.mark.parametrize("amount", [Decimal("9999999999.99"), Decimal("0.005"), Decimal("12.3")])
def test_an_amount_the_column_holds_is_taken(amount):
    assert limits.field_errors(Payment, {"amount": amount}) == {}


@pytest.mark.parametrize("value, ok", [
    (dt.date(2000, 1, 1), True), (dt.date(2100, 12, 31), True), (dt.date(1999, 12, 31), False),
    (dt.date(2101, 1, 1), False), (dt.date(9999, 12, 31), False), (dt.date(1, 1, 1), False),
    (dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC), False), (None, True),
])
def test_business_dates_run_from_2000_to_2100(value, ok):
    assert limits.in_business_range(value) is ok
    assert (limits.date_errors({"day": value}) == {}) is ok
