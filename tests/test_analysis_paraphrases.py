"""Claims judged on hand-built calls in everyday wording that no fixture call uses.

Each case is a short call, a claimed reason and the verdict the words should give. They
check that the phrase lists and detectors cover the many ways people say the same thing,
and that common words in a real customer's call (a street named Oak, "my mom's house",
"I found you on Google") do not read as another reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callcredit.analysis import AnalysisContext, analyze, load_policy
from callcredit.analysis.synthetic import transcript_from_turns

C, B, U = "caller", "business", "unknown"
CALLED = datetime(2025, 8, 4, 15, 0, tzinfo=UTC)

CASES: list[tuple[str, str, str, list[tuple[str, str]], str]] = [
    # ------------------------------------------------------------------ price shoppers
    (
        "price-ballpark",
        "price_shopper",
        "plumbing",
        [
            (B, "Copper Creek Plumbing, Jess speaking."),
            (C, "Hi, I'm just after a rough number for swapping out a kitchen faucet."),
            (B, "Labor's usually around one seventy five, plus the faucet."),
            (C, "Okay, I'm going to get a couple more quotes and mull it over. Thanks."),
        ],
        "supported",
    ),
    (
        "price-then-books",
        "price_shopper",
        "hvac",
        [
            (B, "Cool Breeze Heating and Air."),
            (C, "What do y'all charge for a tune up on a heat pump?"),
            (B, "Eighty nine for the seasonal tune up."),
            (C, "Alright, book me in. Tuesday afternoon if you have it."),
            (B, "Tuesday at one. You're all set."),
        ],
        "contradicted",
    ),
    (
        "price-mono",
        "price_shopper",
        "roofing",
        [
            (
                U,
                "Summit Roofing, good morning. Hey, how much are y'all getting for a "
                "new roof on a ranch house these days? Usually eleven to fourteen thousand. "
                "Wow, okay. Let me talk it over with my husband and we'll be in touch.",
            )
        ],
        "supported",
    ),
    # ------------------------------------------------------------------ voicemail
    (
        "voicemail-ring-back",
        "voicemail",
        "electrical",
        [
            (
                B,
                "Hey there, you've got Volt Brothers Electric. We can't pick up right now, "
                "so say your name and number at the beep and we'll ring you back.",
            ),
            (C, "Hi, it's Carla on Linden Street, my porch light keeps flickering, call me."),
        ],
        "supported",
    ),
    (
        "voicemail-but-live",
        "voicemail",
        "electrical",
        [
            (B, "Volt Brothers, sorry about the wait, thanks for holding."),
            (C, "No problem. Half my kitchen outlets went dead this morning."),
            (B, "We can get someone out this afternoon. What's the address?"),
            (C, "Twelve Linden Street. This afternoon works."),
        ],
        "contradicted",
    ),
    # ------------------------------------------------------------------ wrong category
    (
        "category-referral",
        "wrong_category",
        "pest_control",
        [
            (B, "Bug Off Pest Control."),
            (C, "Hi, our dishwasher quit draining and there's standing water in the bottom."),
            (B, "Ah, you'd want an appliance repair place for that, we just do bugs."),
            (C, "Got it, I'll look for one. Thanks."),
        ],
        "supported",
    ),
    (
        "category-accepted",
        "wrong_category",
        "handyman",
        [
            (B, "Fix It Phil's."),
            (C, "Hey, I need a TV mounted over the fireplace and a couple shelves put up."),
            (B, "Sure thing, I can swing by Thursday morning."),
            (C, "Thursday morning is perfect."),
        ],
        "contradicted",
    ),
    # ------------------------------------------------------------------ out of area
    (
        "area-too-far",
        "out_of_area",
        "landscaping",
        [
            (B, "Green Acres Lawn Care."),
            (C, "Hi, I need weekly mowing. We're out in Millbrook, zip three six zero five four."),
            (B, "Oh, Millbrook's a bit of a drive for us, we mostly stay in Montgomery."),
        ],
        "supported",
    ),
    (
        "area-inside-neighbourhood",
        "out_of_area",
        "landscaping",
        [
            (B, "Green Acres Lawn Care."),
            (C, "Hi, we need the yard cleaned up. We're over in North Montgomery."),
            (B, "No problem, we're out that way all the time. How's Friday?"),
            (C, "Friday is fine. It's eighteen Oak Street."),
        ],
        "contradicted",
    ),
    # ------------------------------------------------------------------ wrong number
    (
        "wrong-number-person",
        "wrong_number",
        "roofing",
        [
            (B, "Summit Roofing."),
            (C, "Hey, is Marcus there? It's his cousin."),
            (B, "No Marcus here, buddy. This is a roofing company."),
            (C, "Huh. Must have the wrong number. My bad."),
        ],
        "supported",
    ),
    (
        "wrong-number-real-customer",
        "wrong_number",
        "roofing",
        [
            (B, "Summit Roofing."),
            (C, "Hi, I found you on Google Maps. We've got a leak over the back bedroom."),
            (B, "We can come take a look tomorrow morning."),
            (C, "Tomorrow morning works, we're at forty Elm Street."),
        ],
        "contradicted",
    ),
    # ------------------------------------------------------------------ spam
    (
        "spam-financing",
        "spam",
        "roofing",
        [
            (B, "Summit Roofing."),
            (
                C,
                "Hi, is this the owner? I'm with Capital Bridge. We offer same day "
                "funding for contractors, and based on your revenue you're pre approved.",
            ),
            (B, "We're all set, thanks."),
        ],
        "supported",
    ),
    (
        "spam-claimed-but-customer-for-mom",
        "spam",
        "plumbing",
        [
            (B, "Copper Creek Plumbing."),
            (
                C,
                "Hi, I'm calling for my elderly mother. Her water heater is leaking in the "
                "garage and she doesn't know what to do.",
            ),
            (B, "We can have someone there in an hour. What's her address?"),
            (C, "Two nineteen Maple Avenue."),
        ],
        "contradicted",
    ),
    # ------------------------------------------------------------------ job seekers
    (
        "job-helper",
        "job_seeker",
        "roofing",
        [
            (B, "Summit Roofing."),
            (
                C,
                "Hey, I was wondering if y'all were taking on any laborers. I've done "
                "tear offs before and I'm a hard worker.",
            ),
            (B, "Maybe. Swing by the shop and fill out an app."),
        ],
        "supported",
    ),
    (
        "job-claimed-but-customer",
        "job_seeker",
        "roofing",
        [
            (B, "Summit Roofing."),
            (
                C,
                "Hi, I work nights so I'm calling early. We lost a bunch of shingles in "
                "the storm and the attic's wet. Can someone come out?",
            ),
            (B, "We can be there around ten."),
            (C, "Ten is great."),
        ],
        "contradicted",
    ),
    # ------------------------------------------------------------------ no intent
    (
        "no-intent-line-trouble",
        "no_intent",
        "plumbing",
        [
            (B, "Copper Creek Plumbing."),
            (C, "Hello? Hello? You're breaking up. I'll try you again."),
        ],
        "supported",
    ),
    (
        "no-intent-real-request",
        "no_intent",
        "plumbing",
        [
            (B, "Copper Creek Plumbing."),
            (C, "Hi, yeah, my sump pump stopped kicking on and the basement's getting wet."),
            (B, "We can be out within the hour."),
        ],
        "contradicted",
    ),
    # ------------------------------------------------------------------ other
    (
        "other-existing-customer",
        "other",
        "hvac",
        [
            (B, "Cool Breeze Heating and Air."),
            (
                C,
                "Hi, your guys put a new furnace in for us last month and I never got the "
                "invoice. Can you email it?",
            ),
            (B, "Sure, let me pull up your account."),
        ],
        "supported",
    ),
]


def context(reason: str, category: str) -> AnalysisContext:
    area = ["36104", "36106", "36109", "Montgomery"] if category == "landscaping" else []
    return AnalysisContext(
        call_id="p",
        claimed_reason=reason,
        business_category=category,
        service_area=area,
        called_at=CALLED,
        caller_number="+13345550100",
        prior_calls=[],
    )


@pytest.mark.parametrize(
    ("reason", "category", "turns", "verdict"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_everyday_wording_gives_the_verdict(
    reason: str, category: str, turns: list[tuple[str, str]], verdict: str
) -> None:
    finding = analyze(
        transcript=transcript_from_turns(turns),
        context=context(reason, category),
        policy=load_policy(),
    )
    assert finding.verdict == verdict, finding.assessments[reason]
