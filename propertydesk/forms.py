"""One word for a select's empty first option, everywhere: "Choose…" (请选择) where a value
is required, "Any" (不限) in a filter. Django's "---------" is neither language."""

from django.utils.translation import gettext_lazy as _

CHOOSE = _("Choose…")
ANY = _("Any")


def choose(choices) -> list[tuple[str, object]]:
    """A required select's choices, led by "Choose…"."""
    return [("", CHOOSE), *choices]


def use_one_placeholder_word() -> None:
    """Make "Choose…" the empty option Django gives a select of its own accord: a
    ModelChoiceField without an ``empty_label``, and a model field's choices with a blank
    (``BLANK_CHOICE_DASH``, the list every ``get_choices`` call shares by default). A
    filter still says ``empty_label=ANY`` itself. Called once, from the app's ready()."""
    from django.db.models import fields
    from django.forms import models

    models.ModelChoiceField.__init__.__kwdefaults__["empty_label"] = CHOOSE
    fields.BLANK_CHOICE_DASH[:] = [("", CHOOSE)]
