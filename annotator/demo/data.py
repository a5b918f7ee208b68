"""Demo project: four articles, written for this project, that report one fictional
event differently (dates, distances, numbers, means), cite each other and hedge.

Everything here is invented: outlets, places and people. `make run` loads it (with
`manage.py load_demo --full`); a few end-to-end tests use it, most tests build their own
data with tests/factories.py. Written through the same services as everything else.
"""

import hashlib
import unicodedata
from datetime import UTC, date, datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from annotator.annotations.kinds import ATTRIBUTES, ATTRIBUTION, CLAIM, HEDGE, QUALIFIES, VIA
from annotator.annotations.models import HedgeType, TimePrecision
from annotator.annotations.services import annotation_create, link_create
from annotator.articles.models import DatePrecision
from annotator.articles.services import article_create
from annotator.events.models import RelationKind
from annotator.events.services import claim_relation_create, event_create
from annotator.projects.models import Membership, Project, Role
from annotator.sources.models import SourceKind
from annotator.sources.services import assessment_create, source_create

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo"
DEMO_USERS = {
    "owner": Role.OWNER,
    "reviewer": Role.REVIEWER,
    "annotator": Role.ANNOTATOR,
    "annotator2": Role.ANNOTATOR,
}

GUIDELINES = """\
## What to mark

- **Claim**: what is asserted to have happened: *who did what, where, when, how many*.
  Mark the shortest clause that carries the assertion.
- **Attribution**: who says it: *"according to Meridian Wire"*, *"local sources told Al-Sahil"*.
  Link it to the claims it attributes; when a source reached the outlet through another
  ("sources told Meridian Wire"), link the inner attribution to the outer one (*reached via*).
- **Hedge**: wording that weakens the claim: *reportedly*, *believed to be*, *about*, *up to*.
  Link it to the claim it qualifies.

## Times

Give a claim the time it says the thing happened, not the time of the article.
Use *month* or *approximate* precision when the text is vague.
"""

SOURCES = [
    # name, other names, kind, country, language, domain, note, [(grade, rationale, date)]
    (
        "Meridian Wire",
        ["ميريديان", "وكالة ميريديان"],
        SourceKind.AGENCY,
        "Freeland",
        "en",
        "meridianwire.example",
        "Privately owned wire service.",
        [
            ("C", "New to our desk; few checks so far.", "2024-06-01"),
            (
                "B",
                "Twelve of fourteen reports since June confirmed by other outlets.",
                "2025-01-15",
            ),
        ],
    ),
    (
        "The Northern Ledger",
        [],
        SourceKind.OUTLET,
        "Freeland",
        "en",
        "northernledger.example",
        "",
        [("C", "Often repeats agency copy without own reporting.", "2025-01-20")],
    ),
    (
        "Al-Sahil Daily",
        ["الساحل", "صحيفة الساحل"],
        SourceKind.OUTLET,
        "Qarmalia",
        "ar",
        "alsahil.example",
        "Close to the provincial administration.",
        [("C", "Good local access; one-sided on security matters.", "2025-02-03")],
    ),
    (
        "Rased Network",
        ["شبكة راصد", "راصد"],
        SourceKind.SOCIAL,
        "Qarmalia",
        "ar",
        "",
        "Anonymous Telegram channel.",
        [("E", "Several fabricated casualty figures in 2024.", "2025-02-10")],
    ),
    ("local officials", ["مصادر محلية"], SourceKind.ANONYMOUS, "", "", "", "", []),
    ("Qarmal Governorate", ["محافظة قرمل"], SourceKind.OFFICIAL, "Qarmalia", "ar", "", "", []),
]

ARTICLES = {
    "wire": {
        "outlet": "Meridian Wire",
        "language": "en",
        "title": "Foreign troops withdraw from Tal Safra base, officials say",
        "url": "https://meridianwire.example/2025/03/12/tal-safra",
        "published_at": "2025-03-12T09:40:00+00:00",
        "precision": DatePrecision.MINUTE,
        "text": (
            "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base "
            "on Tuesday, two local officials told Meridian Wire.\n\n"
            "The base lies 3 km west of Qarmal airport and housed about 300 personnel, "
            "according to the officials, who spoke on condition of anonymity because they were "
            "not authorised to discuss troop movements.\n\n"
            "A convoy of trucks was seen leaving the base at dawn, a resident said. "
            "The defence ministry declined to comment.\n\n"
            "“We heard the engines from four in the morning. When the sun came up they were "
            "already on the airport road, one truck after another,” said Karim Abu Tarek, 47, "
            "who runs a bakery in the village of Ain Jarada, beside the base's north gate. He "
            "said he had counted more than 30 vehicles, some carrying shipping containers, "
            "before he went back inside.\n\n"
            "Police from Qarmal Governorate took over the empty compound by midday, one of the "
            "officials said. The departing contingent left behind its generators, two water "
            "tanks and a signed inventory of the buildings, the official added. Officers in the "
            "blue uniform of the provincial police stood at the north gate on Tuesday afternoon, "
            "and a hand-painted sign reading “Governorate property” hung on the fence.\n\n"
            "Tal Safra, a former agricultural research station on a low ridge above the Qarmal "
            "plain, was turned into a base in 2019 under an agreement with the provincial "
            "administration. It was hit by rockets several times after January, the officials "
            "said; nobody was reported hurt, and no group has said it fired them.\n\n"
            "Al-Sahil Daily, a Qarmal newspaper close to the provincial administration, "
            "reported on Tuesday evening that the troops had left a day earlier, on Monday. "
            "Asked about that account, one of the two officials said an advance party had "
            "driven out on Monday night, but that “the main body and the last officers left on "
            "Tuesday, after sunrise”.\n\n"
            "Governor Nabil Saadeh told reporters outside his office that the base was now "
            "“under the authority of the governorate”. “We will decide what happens to Tal "
            "Safra together with the people of Ain Jarada,” he said, without giving a "
            "timetable.\n\n"
            "It was not clear whether the withdrawal was permanent or whether the troops had "
            "moved to another site in Qarmalia. A spokesperson for the contingent's command did "
            "not answer calls or messages on Wednesday.\n\n"
            "(Reporting by Lina Farouk; editing by Owen Marsh)"
        ),
    },
    "ledger": {
        "outlet": "The Northern Ledger",
        "language": "en",
        "title": "Troops reportedly pull out of base near Qarmal",
        "url": "https://northernledger.example/world/qarmal-base",
        "published_at": "2025-03-13T00:00:00+00:00",
        "precision": DatePrecision.DAY,
        "text": (
            "HALVARD, March 13 - Foreign forces have reportedly evacuated the Tal Safra base "
            "near Qarmal, Meridian Wire reported, citing local officials.\n\n"
            "The base, believed to be 4 km west of the airport, may have hosted up to 350 "
            "troops.\n\n"
            "The withdrawal is said to have followed weeks of rocket attacks on the area.\n\n"
            "The Northern Ledger could not verify the reports independently, and the agency's "
            "account differs in places from those published in Qarmalia itself. Al-Sahil "
            "Daily, a newspaper in Qarmal, said the troops left on Monday, a day earlier than "
            "the date given by the agency's sources. Rased Network, an anonymous Telegram "
            "channel that has spread invented casualty figures in the past, put the base 5 km "
            "from the airport.\n\n"
            "The multinational command that ran the base would not confirm the pull-out. "
            "“Force posture in the region is kept under constant review. We do not comment on "
            "the movements of individual units,” its spokesperson, Ingrid Varro, said in an "
            "emailed statement on Wednesday. She declined to say whether the compound had been "
            "handed to the Qarmali authorities.\n\n"
            "Two diplomats in Halvard, speaking on condition of anonymity, said a reduction of "
            "forces in the region had been discussed since the autumn. One of them described "
            "the closure of Tal Safra as “the first step, not the last”, but would not say "
            "which other sites were under review.\n\n"
            "Tomas Evander, who studies the region at the Halvard Institute for Security "
            "Studies, said the base mattered more for where it stands than for the number of "
            "soldiers inside it. “The ridge overlooks the runway. If Tal Safra really is empty, "
            "the airport has lost its nearest protection, and what counts now is who moves "
            "onto that hill next,” he said.\n\n"
            "Residents of the villages around the base have long complained of night-time "
            "convoys and of a perimeter fence that cut farmers off from their olive groves. "
            "Local officials quoted by Meridian Wire said the provincial police had since "
            "taken over the site."
        ),
    },
    "sahil": {
        "outlet": "Al-Sahil Daily",
        "language": "ar",
        "title": "القوات الأجنبية تخلي قاعدة تل صفرا قرب مطار قرمل",
        "url": "https://alsahil.example/news/7781",
        "published_at": "2025-03-11T18:05:00+00:00",
        "precision": DatePrecision.MINUTE,
        "text": (
            "قرمل – «الساحل»: أفادت مصادر محلية لصحيفة الساحل بأن القوات الأجنبية أخلت قاعدة "
            "تل صفرا يوم الاثنين، بعد أكثر من خمس سنوات على انتشارها في الموقع المطل على سهل "
            "قرمل.\n\n"
            "وتقع القاعدة على بعد نحو 3 كم غرب مطار قرمل، ويُعتقد أنها كانت تضم حوالي 300 عنصر "
            "بين جنود وفنيين وموظفين مدنيين.\n\n"
            "وقال مسؤول في محافظة قرمل إن الانسحاب جاء بعد هجمات متكررة على القاعدة. وأضاف "
            "المسؤول، الذي طلب عدم ذكر اسمه لأنه غير مخول بالتصريح لوسائل الإعلام، أن الانسحاب "
            "سبقته أسابيع من الهجمات بطائرات مسيّرة على محيط القاعدة، مشيراً إلى أن أياً منها "
            "لم يسفر عن إصابات.\n\n"
            "وبحسب المصادر نفسها، تسلّمت شرطة محافظة قرمل القاعدة بعد خروج القوات الأجنبية "
            "منها، ونشرت دوريات عند بوابتها الشمالية المطلة على قرية عين جرادة.\n\n"
            "وقال أبو سليم، وهو مزارع من عين جرادة يملك بستان زيتون ملاصقاً لسور القاعدة، إن "
            "الشاحنات بدأت بالخروج ليل الأحد واستمرت حتى ساعات الصباح الأولى من يوم الاثنين. "
            "وأضاف: «لم ينم أحد في القرية تلك الليلة. كانت الشاحنات تمر واحدة تلو الأخرى "
            "وأضواؤها مطفأة، ثم ساد هدوء لم نعرفه منذ سنوات».\n\n"
            "ويقول سكان في المنطقة إن حركة المروحيات فوق القاعدة تراجعت بشكل لافت خلال "
            "الأسبوعين الماضيين، وإن عدداً من العمال المحليين الذين كانوا يعملون في مطبخ "
            "القاعدة ومغسلتها أُبلغوا الشهر الماضي بانتهاء عقودهم.\n\n"
            "وفي تصريح مقتضب أمام مبنى المحافظة، قال محافظ قرمل نبيل سعادة إن القاعدة «باتت "
            "في عهدة المحافظة»، مضيفاً: «سنقرر مستقبل تل صفرا بالتشاور مع أهالي عين جرادة "
            "والقرى المجاورة». ولم يحدد المحافظ موعداً لذلك.\n\n"
            "ولم يصدر أي تعليق عن قيادة القوات الأجنبية حتى ساعة إعداد هذا التقرير، فيما "
            "امتنعت السفارات المعنية عن الرد على أسئلة «الساحل».\n\n"
            "وكانت القوات الأجنبية قد انتشرت في تل صفرا عام 2019 بموجب اتفاق مع الإدارة "
            "المحلية، بعدما كان الموقع محطة للأبحاث الزراعية. ويرى مراقبون في قرمل أن إخلاء "
            "القاعدة قد يفتح الباب أمام إعادة تشغيل المحطة، التي كانت توفر عشرات فرص العمل "
            "لأبناء المنطقة قبل تحويلها إلى موقع عسكري. وتعد تل صفرا أكبر موقع للقوات الأجنبية "
            "في المحافظة، وينظر إليها منذ سنوات على أنها خط الدفاع الأول عن مطار قرمل."
        ),
    },
    "rased": {
        "outlet": "Rased Network",
        "language": "ar",
        "title": "راصد: انسحاب من قاعدة تل صفرا",
        "url": "",
        "published_at": "2025-03-12T07:15:00+00:00",
        "precision": DatePrecision.MINUTE,
        "text": (
            "🔴 عاجل | نقلاً عن وكالة ميريديان (Meridian Wire)، انسحبت القوات الأجنبية من قاعدة "
            "تل صفرا فجر الثلاثاء 🚚.\n\n"
            "وبحسب مصادر، فإن القاعدة تبعد 5 كم عن المطار، وكانت تضم أكثر من 400 عنصر بينهم "
            "ضباط من جنسيات مختلفة.\n\n"
            "وتداول ناشطون من قرية عين جرادة مقاطع مصورة قالوا إنها تظهر رتلاً طويلاً من "
            "الشاحنات والمدرعات على طريق المطار قبيل شروق الشمس، ولم تتمكن «راصد» من التحقق "
            "من تاريخ تصويرها أو مكانه بشكل مستقل.\n\n"
            "وكانت صحيفة الساحل، المقربة من إدارة المحافظة، قد ذكرت مساء أمس أن الانسحاب تم "
            "يوم الاثنين، غير أن مصادر «راصد» تؤكد أن آخر الآليات غادرت القاعدة فجر الثلاثاء، "
            "وأن ما خرج يوم الاثنين كان دفعة أولى من المعدات فقط.\n\n"
            "وتأتي هذه الخطوة بعد سلسلة من الهجمات الصاروخية التي استهدفت القاعدة منذ مطلع "
            "العام، ويُعتقد أن آخرها وقع قبل نحو عشرة أيام، من دون أن تعلن أي جهة مسؤوليتها "
            "عنها.\n\n"
            "وأفاد مصدر في شرطة المحافظة لـ«راصد» بأن عناصر الشرطة انتشروا عند البوابة "
            "الشمالية للقاعدة ظهر الثلاثاء، وأن القوات المنسحبة تركت خلفها مولدات كهربائية "
            "وخزانات مياه وعدداً من المباني الجاهزة.\n\n"
            "وفي السياق، يتساءل أهالي المنطقة عن مصير الأراضي الزراعية المحيطة بالقاعدة، التي "
            "حرم أصحابها من الوصول إليها منذ عام 2019 بسبب السياج الأمني. ويقول أحدهم "
            "لـ«راصد»: «نريد أن نعود إلى أشجار الزيتون قبل موسم الحراثة، ولا نريد قاعدة جديدة "
            "مكان القديمة».\n\n"
            "ويرى متابعون للشأن المحلي أن خروج القوات من تل صفرا يترك مطار قرمل من دون حماية "
            "قريبة، خصوصاً أن القاعدة تشرف من فوق التلة على مدرج المطار والطريق المؤدي إليه. "
            "وتشير معلومات غير مؤكدة إلى أن جزءاً من القوات المنسحبة نقل إلى موقع آخر داخل "
            "البلاد، فيما تتحدث رواية أخرى عن مغادرتها عبر المطار نفسه على متن طائرات شحن.\n\n"
            "ولم يصدر حتى الآن أي تعليق رسمي من قيادة القوات الأجنبية أو من وزارة الدفاع، كما "
            "لم تعلق إدارة المحافظة على ما إذا كانت الشرطة ستبقى في القاعدة بشكل دائم.\n\n"
            "📌 تابعونا لمزيد من التفاصيل، وأرسلوا لنا ما لديكم من صور ومقاطع من محيط المطار."
        ),
    },
}

# (key, article, kind, quote, fields); quotes are found in the article text.
ANNOTATIONS = [
    (
        "w1",
        "wire",
        CLAIM,
        "Foreign troops withdrew from the Tal Safra base on Tuesday",
        {"claimed_at": "2025-03-11", "claimed_precision": TimePrecision.DAY},
    ),
    (
        "w2",
        "wire",
        ATTRIBUTION,
        "two local officials told Meridian Wire",
        {"cited_source": "local officials"},
    ),
    ("w3", "wire", CLAIM, "The base lies 3 km west of Qarmal airport", {}),
    ("w4", "wire", HEDGE, "about", {"hedge_type": HedgeType.APPROXIMATOR}),
    ("w5", "wire", CLAIM, "housed about 300 personnel", {}),
    (
        "l1",
        "ledger",
        CLAIM,
        "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal",
        {},
    ),
    ("l2", "ledger", HEDGE, "reportedly", {"hedge_type": HedgeType.HEARSAY}),
    ("l3", "ledger", ATTRIBUTION, "Meridian Wire reported", {"cited_source": "Meridian Wire"}),
    (
        "l4",
        "ledger",
        ATTRIBUTION,
        "citing local officials",
        {"cited_source": "local officials"},
    ),
    ("l5", "ledger", HEDGE, "believed to be", {"hedge_type": HedgeType.EPISTEMIC}),
    ("l6", "ledger", CLAIM, "The base, believed to be 4 km west of the airport", {}),
    (
        "w6",
        "wire",
        ATTRIBUTION,
        "according to the officials",
        {"cited_source": "local officials"},
    ),
    (
        "s1",
        "sahil",
        ATTRIBUTION,
        "أفادت مصادر محلية لصحيفة الساحل",
        {"cited_source": "local officials"},
    ),
    (
        "s2",
        "sahil",
        CLAIM,
        "القوات الأجنبية أخلت قاعدة تل صفرا يوم الاثنين",
        {"claimed_at": "2025-03-10", "claimed_precision": TimePrecision.DAY},
    ),
    ("s3", "sahil", HEDGE, "نحو", {"hedge_type": HedgeType.APPROXIMATOR}),
    ("s4", "sahil", CLAIM, "تقع القاعدة على بعد نحو 3 كم غرب مطار قرمل", {}),
    (
        "r1",
        "rased",
        ATTRIBUTION,
        "نقلاً عن وكالة ميريديان (Meridian Wire)",
        {"cited_source": "Meridian Wire"},
    ),
    (
        "r2",
        "rased",
        CLAIM,
        "انسحبت القوات الأجنبية من قاعدة تل صفرا فجر الثلاثاء 🚚",
        {"claimed_at": "2025-03-11", "claimed_precision": TimePrecision.APPROXIMATE},
    ),
    ("r3", "rased", CLAIM, "فإن القاعدة تبعد 5 كم عن المطار", {}),
    ("r4", "rased", ATTRIBUTION, "وبحسب مصادر", {}),
    (
        "w7",
        "wire",
        CLAIM,
        "Police from Qarmal Governorate took over the empty compound by midday",
        {},
    ),
    ("w8", "wire", ATTRIBUTION, "one of the officials said", {"cited_source": "local officials"}),
    ("l7", "ledger", CLAIM, "may have hosted up to 350 troops", {}),
    ("l8", "ledger", HEDGE, "up to", {"hedge_type": HedgeType.APPROXIMATOR}),
    (
        "l9",
        "ledger",
        CLAIM,
        "The withdrawal is said to have followed weeks of rocket attacks on the area",
        {},
    ),
    ("s5", "sahil", HEDGE, "يُعتقد", {"hedge_type": HedgeType.EPISTEMIC}),
    ("s6", "sahil", CLAIM, "يُعتقد أنها كانت تضم حوالي 300 عنصر", {}),
    ("s7", "sahil", CLAIM, "تسلّمت شرطة محافظة قرمل القاعدة بعد خروج القوات الأجنبية منها", {}),
    ("s8", "sahil", CLAIM, "الانسحاب سبقته أسابيع من الهجمات بطائرات مسيّرة على محيط القاعدة", {}),
    ("s9", "sahil", ATTRIBUTION, "وأضاف المسؤول", {"cited_source": "Qarmal Governorate"}),
]

LINKS = [
    ("w2", "w1", ATTRIBUTES),
    ("w4", "w5", QUALIFIES),
    ("l2", "l1", QUALIFIES),
    ("l3", "l1", ATTRIBUTES),
    ("l4", "l3", VIA),
    ("s1", "s2", ATTRIBUTES),
    ("s3", "s4", QUALIFIES),
    ("r1", "r2", ATTRIBUTES),
    ("w6", "w3", ATTRIBUTES),
    ("w6", "w5", ATTRIBUTES),
    ("l5", "l6", QUALIFIES),
    ("r4", "r3", ATTRIBUTES),
    ("w8", "w7", ATTRIBUTES),
    ("l8", "l7", QUALIFIES),
    ("s5", "s6", QUALIFIES),
    ("s9", "s8", ATTRIBUTES),
]
# w7/s7 and w5/s6 make one assertion in English and Arabic; l9/s8 make one assertion but
# differ in the means (rockets, drones). No relation joins them: the app is to propose them.
CLAIMS_IN_EVENT = {
    *("w1", "l1", "s2", "r2"),  # the day the troops left
    *("w3", "s4", "l6", "r3"),  # how far from the airport
    *("w5", "s6", "l7"),  # how many were there
    *("w7", "s7"),  # the police took the base over
    *("l9", "s8"),  # the attacks before the withdrawal
}
# Within the event: which claims make the same assertion, which contradict each other.
# (claim, other, kind, what differs: (facet, as the claim says it, as the other says it))
RELATIONS = [
    ("w1", "l1", RelationKind.SAME, None),  # withdrawn on Tuesday …
    ("w1", "r2", RelationKind.SAME, None),
    ("w1", "s2", RelationKind.CONTRADICTS, ("date", "Tuesday 11 Mar", "Monday 10 Mar")),  # … Monday
    ("w3", "s4", RelationKind.SAME, None),  # 3 km west of the airport …
    ("w3", "l6", RelationKind.CONTRADICTS, ("quantity", "3 km", "4 km")),  # … or 4 km …
    ("w3", "r3", RelationKind.CONTRADICTS, ("quantity", "3 km", "5 km")),  # … or 5 km
    ("l6", "r3", RelationKind.CONTRADICTS, ("quantity", "4 km", "5 km")),
]


def demo_load(*, stdout=None) -> bool:
    """Create the demo project unless it exists. Returns True if it was created."""
    if Project.objects.filter(slug=DEMO_SLUG).exists():
        return False
    with transaction.atomic():
        project = Project.objects.create(
            name="Demo: the Tal Safra withdrawal",
            slug=DEMO_SLUG,
            guidelines=GUIDELINES,
            description="Four outlets report one (fictional) withdrawal and disagree on when, "
            "where and how many. Everything in this project is invented.",
        )
        users = _demo_users(project)
        sources = _demo_sources(project, users["reviewer"])
        event = event_create(
            project=project,
            title="Withdrawal from Tal Safra base",
            place="Qarmal, Qarmalia",
            start_date=date(2025, 3, 10),
            end_date=date(2025, 3, 11),
            description="Foreign troops leave the Tal Safra base west of Qarmal airport.",
        )
        articles = _demo_articles(project, sources, users["owner"])
        _demo_annotations(articles, sources, event, users["annotator"])
    if stdout:
        stdout.write(f"Demo project created: {project.name}")
    return True


def _demo_users(project):
    User = get_user_model()
    users = {}
    for username, role in DEMO_USERS.items():
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = role == Role.OWNER
            user.save()
        Membership.objects.get_or_create(project=project, user=user, defaults={"role": role})
        users[username] = user
    return users


def _demo_sources(project, assessor):
    sources = {}
    for name, other, kind, country, language, domain, note, grades in SOURCES:
        source = source_create(
            project=project,
            name=name,
            aliases=other,
            kind=kind,
            country=country,
            language=language,
            domain=domain,
            affiliation_note=note,
        )
        for grade, rationale, day in grades:
            assessment_create(
                source=source,
                grade=grade,
                rationale=rationale,
                user=assessor,
                assessed_at=datetime.fromisoformat(day).replace(tzinfo=UTC),
            )
        sources[name] = source
    return sources


def _demo_articles(project, sources, uploader):
    articles = {}
    for key, data in ARTICLES.items():
        text = unicodedata.normalize("NFC", data["text"])
        articles[key] = article_create(
            project=project,
            outlet=sources[data["outlet"]],
            title=data["title"],
            url=data["url"],
            published_at=datetime.fromisoformat(data["published_at"]),
            published_precision=data["precision"],
            language=data["language"],
            text=text,
            text_sha256=hashlib.sha256(text.encode()).hexdigest(),
            uploaded_by=uploader,
        )
    return articles


def _demo_annotations(articles, sources, event, annotator):
    made = {}
    for key, article_key, kind, quote, fields in ANNOTATIONS:
        article = articles[article_key]
        fields = dict(fields)
        if "cited_source" in fields:
            fields["cited_source"] = sources[fields["cited_source"]]
        if "claimed_at" in fields:
            fields["claimed_at"] = datetime.fromisoformat(fields["claimed_at"]).replace(tzinfo=UTC)
        if key in CLAIMS_IN_EVENT:
            fields["event"] = event
        start = article.text.index(quote)
        made[key] = annotation_create(
            article=article,
            kind=kind,
            start=start,
            end=start + len(quote),
            quote=quote,
            created_by=annotator,
            **fields,
        )
    for source_key, target_key, link_kind in LINKS:
        link_create(
            from_annotation=made[source_key],
            to_annotation=made[target_key],
            kind=link_kind,
            created_by=annotator,
        )
    for claim_key, other_key, relation_kind, differs in RELATIONS:
        claim, other = made[claim_key], made[other_key]
        differences = None
        if differs:
            facet, says, other_says = differs
            if claim.pk > other.pk:  # stored as the smaller id says it first
                says, other_says = other_says, says
            differences = [{"facet": facet, "a": says, "b": other_says}]
        claim_relation_create(
            claim=claim, other=other, kind=relation_kind, user=annotator, differences=differences
        )
