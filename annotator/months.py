"""Month names in English and Arabic: the one table the date readers share (the importer's
publication dates, articles/dates.py, and the claimed-time suggester, suggestions/dates.py,
with its lexicon)."""

EN_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
# Abbreviations as newsrooms write them ("Sept" as well as "Sep"), month numbers.
EN_MONTH_ABBREVIATIONS = {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8,
    "Sept": 9, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}  # fmt: skip
# (Egyptian and Gulf name, Levantine and Iraqi name) per month, January first. Date
# libraries such as dateparser know the first; Syrian, Lebanese and Iraqi outlets write
# the second.
AR_MONTHS = [
    ("يناير", "كانون الثاني"),
    ("فبراير", "شباط"),
    ("مارس", "آذار"),
    ("أبريل", "نيسان"),
    ("مايو", "أيار"),
    ("يونيو", "حزيران"),
    ("يوليو", "تموز"),
    ("أغسطس", "آب"),
    ("سبتمبر", "أيلول"),
    ("أكتوبر", "تشرين الأول"),
    ("نوفمبر", "تشرين الثاني"),
    ("ديسمبر", "كانون الأول"),
]
# Other spellings of the Egyptian names.
AR_MONTH_VARIANTS = {"إبريل": 4, "ابريل": 4, "يونيه": 6, "يوليه": 7, "اغسطس": 8}


def month_numbers() -> dict[str, int]:
    """Every name above, as written, with its month number."""
    numbers = {name: n for n, name in enumerate(EN_MONTHS, 1)} | EN_MONTH_ABBREVIATIONS
    for n, (egyptian, levantine) in enumerate(AR_MONTHS, 1):
        numbers[egyptian] = numbers[levantine] = n
    return numbers | AR_MONTH_VARIANTS
