import pytest

from propertydesk.pii import mask_id_number, mask_phone


@pytest.mark.parametrize(
    "raw, masked",
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("021-55551234", "021****1234"),
        ("0755-12345678", "075*****5678"),
    ],
)
def test_phone_masks_keep_first_three_and_last_four(raw, masked):
    assert mask_phone(raw) == masked


def test_id_number_mask_keeps_first_and_last_four():
    assert mask_id_number("44010619800101123X") == "4401**********123X"
