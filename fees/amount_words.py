"""An amount in Chinese capital numerals (人民币大写), as written on a receipt.

The rules are the ones banks apply to cheques and receipts (支付结算办法): capital
digits so nothing can be altered, 壹拾 written out even at the start, one 零 for any
run of zeros between digits, 零 after 元 when 角 is zero and 分 is not, 整 after 元 when
there are no 角 or 分, and no 整 after 角 or 分. Where the rules leave the 零 optional (a
zero 元 digit before a 角: 壹万元壹角 or 壹万元零壹角) we leave it out. E.g. 220.33 →
贰佰贰拾元叁角叁分, 1005.00 → 壹仟零伍元整, 10000.10 → 壹万元壹角, 1.05 → 壹元零伍分,
100000000.00 → 壹亿元整."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")
# Groups of four digits from the right: units, 万, 亿, 万亿.
GROUPS = ("", "万", "亿", "万亿")


def _four(number: int) -> str:
    """1–9999 in capitals; zeros inside the group become one 零, trailing zeros nothing."""
    out, zero = "", False
    for digit, place in zip(f"{number:04d}", PLACES):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out += DIGITS[0]
            zero = False
        out += DIGITS[int(digit)] + place
    return out


def _yuan(number: int) -> str:
    groups = []
    while number:
        number, group = divmod(number, 10000)
        groups.append(group)
    if len(groups) > len(GROUPS):
        raise ValueError("amount too large")
    out, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(out)
            continue
        # A zero group in between, or this group starts with zeros (壹万零伍拾): one 零.
        if out and (gap or group < 1000):
            out += DIGITS[0]
        gap = False
        out += _four(group) + GROUPS[index]
    return out


def rmb_upper(amount: Decimal) -> str:
    """``amount`` yuan (rounded half up to the fen) in capitals, e.g. 贰佰贰拾元叁角叁分."""
    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount < 0:
        raise ValueError("a receipt amount is never negative")
    fen_total = int(amount * 100)
    yuan, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    out = _yuan(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return (out or "零元") + "整"
    # A zero 角 between 元 and 分 must be written (壹元零伍分).
    if yuan and not jiao:
        out += DIGITS[0]
    if jiao:
        out += DIGITS[jiao] + "角"
    if fen:
        out += DIGITS[fen] + "分"
    return out
