"""Chinese names are listed in pinyin order, as the desk looks them up (阿, 李, 王, 张), not by
their code points (张 5F20, 李 674E, 王 738B, 阿 963F)."""

from owners import selectors
from owners.models import Owner
from tests.factories import make_owner


def test_the_owner_list_is_in_pinyin_order(db):
    for name in ("张三", "李四", "王五", "阿明"):
        make_owner(name=name)

    listed = [o.name for o in selectors.owner_list()]

    assert listed == ["阿明", "李四", "王五", "张三"]
    # equality and prefix search are unchanged by the collation
    assert Owner.objects.filter(name="李四").count() == 1
    assert Owner.objects.filter(name__startswith="王").count() == 1
