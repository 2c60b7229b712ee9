"""Phrase data: taxonomy, cue lists and rules load, and every cue reaches a detector."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from callcredit.analysis import AnalysisContext, load_lexicon, load_policy, load_taxonomy, scan
from callcredit.analysis.analyzer import detect_all
from callcredit.analysis.lexicon import DATA_DIR
from callcredit.analysis.synthetic import segment, transcript_from_turns
from callcredit.analysis.view import TranscriptView
from callcredit.exceptions import ConfigurationError
from callcredit.transcription.schemas import TranscriptData

REQUIRED_SLUGS = {
    "plumbing",
    "roofing",
    "hvac",
    "electrical",
    "pest_control",
    "locksmith",
    "garage_door",
    "landscaping",
    "tree_service",
    "fencing",
    "appliance_repair",
    "cleaning",
    "moving",
    "painting",
    "flooring",
    "gutters",
    "windows_doors",
    "pool_spa",
    "handyman",
    "remodeling",
    "concrete",
    "carpet_cleaning",
    "junk_removal",
    "water_damage",
    "solar",
}


def test_taxonomy_has_the_required_categories_with_phrases() -> None:
    taxonomy = load_taxonomy()
    assert len(taxonomy.categories) >= 25
    assert set(taxonomy.categories) >= REQUIRED_SLUGS
    for slug, category in taxonomy.categories.items():
        assert category.label, slug
        assert len(category.phrases) >= 8, slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("HVAC", "hvac"),
        ("Heating & Air", "hvac"),
        ("pest control", "pest_control"),
        ("Plumber", "plumbing"),
        ("garage_door", "garage_door"),
        ("Knitting", None),
        ("", None),
    ],
)
def test_taxonomy_resolves_slugs_labels_and_aliases(name: str, slug: str | None) -> None:
    assert load_taxonomy().resolve(name) == slug


def test_rules_cover_every_reason() -> None:
    rules = load_lexicon().rules
    assert set(rules.reasons) >= {"voicemail", "price_shopper", "duplicate", "other"}
    assert 0 < rules.thresholds.decide < 1


@pytest.mark.parametrize("group", sorted(g for g, c in load_lexicon().cues.items() if c.weight > 0))
def test_every_weighted_cue_group_reaches_a_detector(group: str) -> None:
    lexicon = load_lexicon()
    spec = lexicon.cues[group]
    speaker = "caller" if "caller" in spec.speakers else "business"
    phrase = spec.phrases[0]
    turns = [(speaker, f"well {phrase} okay")]
    if spec.after:  # a group heard only after another: say that one first
        before = lexicon.cues["visit_promised"]
        turns.insert(0, ("business", f"Sure. {before.phrases[0]} tomorrow."))
        assert "visit_promised" in spec.after
    view = TranscriptView.build(transcript_from_turns(turns))
    context = AnalysisContext(call_id="t", claimed_reason="other", business_category="plumbing")
    cues = detect_all(scan(view, lexicon), context, load_policy())
    assert group in {c.cue for c in cues}, (group, phrase)


def test_an_acceptance_counts_only_after_an_offer() -> None:
    lexicon = load_lexicon()
    alone = [("business", "We might be hiring."), ("caller", "Oh, that'd be great.")]
    offered = [("business", "I can send a tech tomorrow."), ("caller", "Oh, that'd be great.")]
    found = [
        scan(TranscriptView.build(transcript_from_turns(t)), lexicon).group("booking_accept")
        for t in (alone, offered)
    ]
    assert (len(found[0]), len(found[1])) == (0, 1)


def test_an_offer_the_caller_turns_down_is_not_a_promise() -> None:
    lexicon = load_lexicon()
    offer = ("business", "Want me to put you on the schedule?")
    calls = [
        [offer, ("caller", "Not yet. I have to run it by my landlord first.")],
        [offer, ("caller", "Yes, Tuesday morning please.")],
        [("business", "I'll put you down for Tuesday."), ("caller", "Not yet, hang on.")],
    ]
    hits = [
        scan(TranscriptView.build(transcript_from_turns(t)), lexicon).group("visit_promised")
        for t in calls
    ]
    assert [len(h) for h in hits] == [0, 1, 1]


def test_a_misheard_longer_phrase_does_not_hide_an_exact_shorter_one() -> None:
    view = TranscriptView.build(
        transcript_from_turns([("caller", "Oh no, I thought this was Pete's Pizza.")])
    )
    assert scan(view, load_lexicon()).group("wrong_number")


def test_a_mono_unit_where_the_business_names_itself_is_the_business() -> None:
    lexicon = load_lexicon()
    text = "Hello. Hi. Yes. This is Sonoran Shine. Can you hear me? Is this Sonoran Shine?"
    view = TranscriptView.build(TranscriptData(segments=[segment("unknown", text, 0.0, 8.0)]))
    found = scan(view, lexicon, "Sonoran Shine Window Cleaning")
    (unit,) = found.named_units  # the question "Is this Sonoran Shine?" is the caller's
    lo, hi = view.unit_tokens[unit]
    assert view.raw_tokens[lo:hi] == ["this", "is", "sonoran", "shine"]
    assert not scan(view, lexicon).named_units  # no name given, nothing marked


@pytest.mark.parametrize("file", ["cues.toml", "taxonomy.toml", "rules.toml"])
def test_broken_data_file_names_file_and_line(tmp_path: Path, file: str) -> None:
    for name in ("cues.toml", "taxonomy.toml", "rules.toml"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    path = tmp_path / file
    path.write_text(path.read_text() + "\n[broken\n")
    lines = len(path.read_text().splitlines())
    with pytest.raises(ConfigurationError) as err:
        load_lexicon(tmp_path)
    assert str(path) in err.value.message
    assert err.value.details["line"] == lines


def test_rules_naming_an_unknown_cue_are_rejected(tmp_path: Path) -> None:
    for name in ("cues.toml", "taxonomy.toml", "rules.toml"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    rules = tmp_path / "rules.toml"
    rules.write_text(
        rules.read_text().replace('supports = ["prior_call"', 'supports = ["prior_cal"')
    )
    with pytest.raises(ConfigurationError, match="unknown cue 'prior_cal'"):
        load_lexicon(tmp_path)


def test_a_phrase_stretched_over_other_words_does_not_hide_an_exact_one() -> None:
    # "I'm calling [from Yelp] about" matches "i'm calling about" only with words skipped;
    # the pitch words it skipped still count.
    view = TranscriptView.build(
        transcript_from_turns([("caller", "I'm calling from Yelp about your advertising.")])
    )
    assert scan(view, load_lexicon()).group("spam")
