# Money on the desk's screens is grouped the way Chinese invoices and accounts write it:
# ¥188,601.48 (Django's zh_Hans formats leave the separator out). Only the explicit
# grouping filters (intcomma, floatformat:"2g") use it; USE_THOUSAND_SEPARATOR stays off.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
