"""Each detector on hand-built transcripts: what it finds, and where (word times)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from callcredit.analysis import load_lexicon, scan
from callcredit.analysis.detectors.area import detect_area, extract_zips
from callcredit.analysis.detectors.beep import detect_beep, find_tones
from callcredit.analysis.detectors.category import (
    best_category,
    detect_category,
    detect_service_need,
)
from callcredit.analysis.detectors.conversation import detect_exchange, detect_no_intent
from callcredit.analysis.detectors.duplicate import detect_duplicate, normalize_number
from callcredit.analysis.detectors.phrases import (
    detect_address,
    detect_booking,
    detect_job_seeker,
    detect_price,
    detect_spam,
    detect_voicemail_greeting,
    detect_wrong_number,
)
from callcredit.analysis.lexicon import Scan
from callcredit.analysis.models import Cue, PriorCall
from callcredit.analysis.synthetic import transcript_from_turns
from callcredit.analysis.view import TranscriptView
from callcredit.transcription.schemas import Segment, TranscriptData

C, B, U = "caller", "business", "unknown"


def sc(*turns: tuple[str, str]) -> Scan:
    return scan(TranscriptView.build(transcript_from_turns(list(turns))), load_lexicon())


def names(cues: list[Cue]) -> set[str]:
    return {c.cue for c in cues}


def test_voicemail_greeting_phrases_are_found_with_their_times() -> None:
    s = sc(
        (
            B,
            "Hi, you've reached Oak Valley Heating. Nobody can take your call right now. "
            "Leave your name and number at the tone and we'll call you right back.",
        )
    )
    cues = detect_voicemail_greeting(s)
    assert "voicemail_greeting" in names(cues)
    for cue in cues:
        words = [w for w in s.view.words if cue.start <= w.start and w.end <= cue.end]
        assert " ".join(w.text for w in words) == cue.text


def test_caller_speech_is_not_a_voicemail_greeting_in_stereo() -> None:
    assert detect_voicemail_greeting(sc((C, "please leave a message for the owner"))) == []


def test_exchange_tells_a_conversation_from_a_one_sided_call() -> None:
    live = sc(
        (B, "Oak Valley, this is Sam."),
        (C, "Hi, my heater quit."),
        (B, "Okay, what is the address?"),
        (C, "Twelve Pine Road."),
    )
    assert names(detect_exchange(live)) == {"conversation"}
    greeting_only = sc((B, "You reached Oak Valley, please leave a message."))
    assert names(detect_exchange(greeting_only)) == {"one_sided"}
    mono = sc((U, "Oak Valley, this is Sam. Hi my heater quit."))
    assert detect_exchange(mono) == []


def _tone(hz: float, seconds: float, sr: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def _speechlike(seconds: float, sr: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    phase = 2 * np.pi * np.cumsum(120 + 30 * np.sin(2 * np.pi * 0.7 * t)) / sr
    x = sum(np.sin(k * phase) / k * (1 + 0.5 * np.sin(2 * np.pi * 3 * t + k)) for k in range(1, 20))
    return (0.1 * x / np.abs(x).max()).astype(np.float32)


def test_beep_found_in_audio_at_its_time() -> None:
    sr = 16000
    audio = np.concatenate([_speechlike(3.0), np.zeros(sr // 2, np.float32), _tone(1000, 0.5)])
    audio += 0.002 * np.random.default_rng(1).standard_normal(len(audio)).astype(np.float32)
    (tone,) = find_tones(audio, sr)
    assert 950 <= tone.hz <= 1050
    assert tone.start == pytest.approx(3.5, abs=0.05)
    assert tone.end == pytest.approx(4.0, abs=0.05)
    assert names(detect_beep(audio, sr)) == {"beep"}


@pytest.mark.parametrize(
    "audio",
    [
        _speechlike(6.0),
        _tone(1000, 3.0),  # too long for a beep
        _tone(150, 0.5),  # too low
        np.concatenate([_tone(440, 0.4), np.zeros(3200, np.float32)] * 4),  # ringing
        np.zeros(16000, np.float32),
    ],
)
def test_no_beep_in_speech_long_tones_low_tones_ringing_or_silence(audio: np.ndarray) -> None:
    assert find_tones(audio, 16000) == []


def test_beep_needs_audio() -> None:
    assert detect_beep(None) == []


def test_booking_intent_and_address() -> None:
    s = sc((C, "Could somebody come out tomorrow morning? I'm at 1830 Willow Creek Road."))
    cues = detect_booking(s)
    assert {"booking", "address"} <= names(cues)
    (address,) = [c for c in cues if c.cue == "address"]
    assert address.text == "1830 Willow Creek Road."


def test_spoken_house_number_is_an_address() -> None:
    assert names(detect_address(sc((C, "it is seven twenty two Maple Avenue")))) == {"address"}
    assert detect_address(sc((C, "I have 2 dogs in the way"))) == []


def test_booking_negated_is_not_booking() -> None:
    assert "booking" not in names(
        detect_booking(sc((C, "I don't want to schedule an appointment")))
    )


def test_price_questions_and_price_only() -> None:
    cues = detect_price(
        sc((C, "What would you charge for a new faucet? I'm just getting a few prices."))
    )
    assert {"price_question", "price_only"} <= names(cues)


def test_price_question_weakens_a_visit_in_the_same_sentence() -> None:
    cues = detect_booking(sc((C, "Is there a charge to come out and look at it?")))
    assert all(c.confidence < 0.5 for c in cues if c.cue == "booking")


def test_wrong_number_spam_and_job_seeker_phrases() -> None:
    assert "wrong_number" in names(
        detect_wrong_number(sc((B, "Sorry, I think you've got the wrong number.")))
    )
    assert "other_business" in names(detect_wrong_number(sc((C, "Is this the pharmacy on Main?"))))
    assert "robocall" in names(detect_spam(sc((C, "This is an automated message, press one now."))))
    assert "spam" in names(detect_spam(sc((C, "We help contractors get more leads from Google."))))
    assert "system_test" in names(detect_spam(sc((C, "Just testing the line, ignore this call."))))
    assert "job_seeker" in names(
        detect_job_seeker(sc((C, "Hey, are you guys hiring? I do drywall.")))
    )
    assert "job_seeker_business" in names(detect_job_seeker(sc((B, "We're not hiring right now."))))


def test_category_match_and_mismatch_against_the_business() -> None:
    need = sc((C, "The AC is blowing warm air and the thermostat is blank."))
    assert best_category(need) == "hvac"
    assert "category_match" in names(detect_category(need, "hvac"))
    assert "category_mismatch" in names(detect_category(need, "roofing"))
    mismatch = next(c for c in detect_category(need, "roofing") if c.cue == "category_mismatch")
    assert mismatch.value == "hvac"


def test_related_category_is_not_a_clear_mismatch() -> None:
    cues = detect_category(
        sc((C, "The gutters are overflowing and a downspout fell off.")), "roofing"
    )
    assert names(cues) == {"category_related"}


def test_business_naming_itself_does_not_count_as_the_need() -> None:
    s = sc((B, "Thanks for calling Summit Roofing."), (C, "My kitchen sink is clogged."))
    cues = detect_category(s, "roofing")
    assert "category_mismatch" in names(cues)
    assert "category_match" not in names(cues)


def test_unknown_business_category_gives_no_category_verdict() -> None:
    assert detect_category(sc((C, "My toilet is clogged.")), "knitting") == []


@pytest.mark.parametrize(
    "said",
    [
        "95814",
        "9 5 8 1 4",
        "nine five eight one four",
        "ninety five eight fourteen",
        "95,814",
        "958 14",
        "95814-1234",
    ],
)
def test_zip_codes_in_every_asr_form(said: str) -> None:
    s = sc((C, f"my zip code is {said} thanks"))
    view = s.view
    intro = {t for h in s.group("zip_intro") for t in range(h.first, h.last + 1)}
    (zip_code,) = extract_zips(view, intro)
    assert zip_code.zip == "95814"
    assert zip_code.introduced
    words = view.words[zip_code.first_word : zip_code.last_word + 1]
    assert " ".join(w.text for w in words) == said


def test_amounts_and_phone_numbers_are_not_zip_codes() -> None:
    view = TranscriptView.build(
        transcript_from_turns(
            [(C, "it was $12,500 and my number is 916 555 0101 and 12500 dollars")]
        )
    )
    assert extract_zips(view) == []


def test_zip_inside_and_outside_the_service_area() -> None:
    area = ["95814", "95816", "Sacramento"]
    inside = detect_area(sc((C, "The zip is nine five eight one six.")), area)
    assert names(inside) == {"zip_inside"}
    outside = detect_area(sc((C, "The zip is nine five six zero three.")), area)
    assert names(outside) == {"zip_outside"}
    assert outside[0].value == "95603"


def test_places_inside_and_outside_the_service_area() -> None:
    area = ["95814", "Sacramento", "Elk Grove"]
    assert "place_inside" in names(detect_area(sc((C, "We're over in Elk Grove.")), area))
    outside = detect_area(sc((C, "I live out in Roseville, near the mall.")), area)
    assert [c.value for c in outside if c.cue == "place_outside"] == ["Roseville"]
    assert detect_area(sc((C, "I'm in January mode.")), area) == []


def test_business_saying_out_of_area() -> None:
    cues = detect_area(sc((B, "Sorry, that's outside our service area.")), ["95814"])
    assert names(cues) == {"out_of_area_business"}


def test_no_intent_silence_no_caller_speech_greetings_and_speech() -> None:
    assert names(
        detect_no_intent(scan(TranscriptView.build(TranscriptData()), load_lexicon()))
    ) == {"silence"}
    only_business = sc((B, "Pine Plumbing, hello?"), (B, "Hello? Anyone there?"))
    assert names(detect_no_intent(only_business)) == {"no_caller_speech"}
    greetings = sc((B, "Pine Plumbing."), (C, "Hello? Hello? Can you hear me?"))
    assert names(detect_no_intent(greetings)) == {"greetings_only"}
    request = sc((B, "Pine Plumbing."), (C, "Hi, my basement drain backs up every time it rains."))
    assert names(detect_no_intent(request)) == {"caller_speech"}


def test_no_intent_in_mono_skips_the_business_answer() -> None:
    mono = sc((U, "Pine Plumbing, how can I help you? Hello? Hello?"))
    assert names(detect_no_intent(mono)) == {"greetings_only"}


CALLED = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)


def dup(prior: list[PriorCall] | None, number: str | None = "+1 (916) 555-0101") -> list[Cue]:
    return detect_duplicate(
        call_id="c2",
        caller_number=number,
        business_id="biz",
        called_at=CALLED,
        prior_calls=prior,
        window=timedelta(days=30),
    )


def test_duplicate_within_the_window() -> None:
    prior = [PriorCall.model_validate(("biz", "9165550101", CALLED - timedelta(days=3), "c1"))]
    (cue,) = dup(prior)
    assert cue.cue == "prior_call"
    assert cue.value == "c1"
    assert "3 days" in cue.text


@pytest.mark.parametrize(
    "prior",
    [
        ("biz", "+19165550101", CALLED - timedelta(days=31), "old"),  # outside the window
        ("other-biz", "+19165550101", CALLED - timedelta(days=2), "x"),  # another business
        ("biz", "+19165550199", CALLED - timedelta(days=2), "y"),  # another number
        ("biz", "+19165550101", CALLED + timedelta(days=1), "later"),  # after the call
        ("biz", "+19165550101", CALLED, "c2"),  # the call itself
    ],
)
def test_not_a_duplicate(prior: tuple) -> None:
    (cue,) = dup([PriorCall.model_validate(prior)])
    assert cue.cue == "no_prior_call"


def test_duplicate_unknown_without_history_or_number() -> None:
    assert dup(None) == []
    assert dup([], number="anonymous") == []


def test_naive_history_times_are_taken_as_utc() -> None:
    naive = datetime(2025, 5, 19, 12, 0)
    (cue,) = dup([PriorCall(business_id="biz", caller_number="9165550101", called_at=naive)])
    assert cue.cue == "prior_call"


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("+1 (916) 555-0101", "9165550101"),
        ("916.555.0101", "9165550101"),
        ("", None),
        ("Private", None),
        ("12", None),
    ],
)
def test_normalize_number(raw: str, digits: str | None) -> None:
    assert normalize_number(raw) == digits


def test_segment_without_words_still_yields_cues() -> None:
    seg = Segment(start=1.0, end=3.0, speaker="caller", text="are you guys hiring", words=[])
    s = scan(TranscriptView.build(TranscriptData(segments=[seg])), load_lexicon())
    (cue,) = detect_job_seeker(s)
    assert (cue.start, cue.end) == (1.0, 3.0)


def test_mono_conversation_from_who_says_what() -> None:
    mono = sc(
        (
            U,
            "Birch Heating, how can I help you? My furnace won't start and it's cold. "
            "Okay, we can have a tech out this afternoon, does that work? Yes, that works for me.",
        )
    )
    assert names(detect_exchange(mono)) == {"conversation"}


def test_a_visit_time_being_set() -> None:
    cues = detect_booking(sc((B, "We can do Thursday at ten."), (C, "Thursday at ten is great.")))
    slots = [c.text for c in cues if c.cue == "appointment_time"]
    assert slots == ["Thursday at ten.", "Thursday at ten"]
    past = detect_booking(sc((C, "You were here last Tuesday at noon.")))
    assert "appointment_time" not in names(past)


def test_openings_in_a_job_enquiry_are_not_a_booking() -> None:
    cues = detect_booking(sc((C, "Do you have any openings for a helper on your crew?")))
    assert all(c.confidence < 0.5 for c in cues if c.cue == "booking")


def test_a_word_or_two_besides_greetings_is_still_no_request() -> None:
    s = sc((B, "Birch Heating."), (C, "Hello? Weird. Bye."))
    (cue,) = detect_no_intent(s)
    assert cue.cue == "greetings_only"
    assert cue.confidence < load_lexicon().weight("greetings_only")


def test_caller_saying_this_is_keeps_their_need() -> None:
    s = sc((B, "Birch Heating."), (C, "Hi, this is Dana, my furnace keeps shutting off."))
    assert "category_match" in names(detect_category(s, "hvac"))


def test_an_if_or_a_question_is_not_the_caller_agreeing() -> None:
    offer = sc((U, "That goes toward the repair if you go ahead with it."))
    assert "booking_confirm" not in names(detect_booking(offer))
    question = sc((B, "I can do this afternoon, does that work?"))
    assert "booking_confirm" not in names(detect_booking(question))
    agreed = sc((C, "This afternoon works, go ahead with it."))
    assert "booking_confirm" in names(detect_booking(agreed))


def test_a_zip_code_misheard_with_for_and_house_numbers() -> None:
    area = ["43201", "43215", "Columbus"]
    misheard = detect_area(sc((C, "We're up north, this is for 3015.")), area)
    assert [(c.cue, c.value) for c in misheard if c.cue.startswith("zip")] == [
        ("zip_outside", "43015")
    ]
    # "for" is a word, not a digit, when the result is nowhere near the service area
    assert not any(c.cue.startswith("zip") for c in detect_area(sc((C, "for 7015")), area))
    house = detect_area(sc((C, "It's 3.4008, Bayshore Boulevard.")), ["33629", "Tampa"])
    assert not any(c.cue.startswith("zip") for c in house)


def test_part_of_a_served_place_is_inside_and_interjections_are_not_places() -> None:
    area = ["33629", "Tampa"]
    south = detect_area(sc((C, "We're down in South Tampa.")), area)
    assert "place_inside" in names(south) and "place_outside" not in names(south)
    question = sc((U, "What part of town are you in? Oh, shoot, my kid needs me."))
    assert detect_area(question, area) == []


def test_sending_the_caller_to_another_trade_is_a_wrong_category_cue() -> None:
    s = sc(
        (C, "Do you folks sweep chimneys?"),
        (B, "Sorry, no, you'd want a chimney sweep for that."),
    )
    found = {c.cue: c.value for c in detect_category(s, "tree_service")}
    assert found.get("wrong_category_business") == "chimney"
    same_trade = sc((C, "My faucet drips."), (B, "You'll need a new faucet, we can do that."))
    assert "wrong_category_business" not in names(detect_category(same_trade, "plumbing"))


def test_the_business_taking_the_job_is_evidence_against_a_wrong_category() -> None:
    s = sc(
        (C, "Can y'all haul off an old sleeper sofa?"),
        (B, "Absolutely, we can have a truck there Saturday."),
        (C, "Saturday's perfect."),
    )
    assert "job_accepted" in names(detect_category(s, "junk_removal"))
    assert "job_accepted" not in names(detect_category(s, None))


def test_the_business_describing_itself_is_not_the_callers_need() -> None:
    s = sc((U, "Sorry, there's no Tony here. This is a junk hauling company."))
    assert detect_service_need(s) == []
    scope = sc((U, "Do you do lawn mowing? No, sorry, we just take care of pools."))
    assert "category_match" not in names(detect_category(scope, "pool_spa"))


def test_no_such_person_here_is_a_wrong_number() -> None:
    cues = detect_wrong_number(sc((B, "Sorry, there's no Tony here.")))
    assert [c.text for c in cues if c.cue == "wrong_number"] == ["no Tony here."]
    assert detect_wrong_number(sc((C, "There's no hot water here."))) == []


def test_talk_about_the_line_is_not_a_request() -> None:
    s = sc((B, "Ironclad Fence."), (C, "Hello? Can you hear me? You're all crackly."))
    assert names(detect_no_intent(s)) == {"greetings_only"}


def test_calling_for_a_relative_is_not_a_sales_pitch() -> None:
    cues = detect_spam(sc((C, "Hi, I'm calling on behalf of my mom, a limb fell on her carport.")))
    assert "spam" not in names(cues)
    assert "personal_errand" in names(cues)
    pitch = detect_spam(sc((C, "I'm calling on behalf of the Firefighters Support Fund.")))
    assert "spam" in names(pitch)


def test_words_a_live_answer_may_share_with_a_greeting_are_only_a_hint() -> None:
    cues = detect_voicemail_greeting(sc((B, "Sorry to keep you waiting, I was on the other line.")))
    assert names(cues) == {"voicemail_hint"}
    assert all(c.confidence < 0.5 for c in cues)
