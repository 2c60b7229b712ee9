"""A flat, tokenised view of a transcript that maps every token back to its word and time."""

from __future__ import annotations

from dataclasses import dataclass, field

from callcredit.transcription.schemas import Speaker, TranscriptData, Word

from .text import stem, word_tokens

_SENTENCE_END = (".", "?", "!")
UNIT_PAUSE = 1.0  # seconds of quiet between words that end a unit in mono
# Evidence is widened to its sentence but not across a pause this long: on a mono call an
# unpunctuated "...next Tuesday Tuesday works" is two people.
CONTEXT_PAUSE = 0.45
# Offers the recogniser often writes without a question mark ("Want me to send somebody out.").
_OFFER_OPENERS = (
    ("want", "me", "to"), ("you", "want", "me", "to"), ("do", "you", "want", "me", "to"),
    ("want", "us", "to"), ("do", "you", "want", "us", "to"), ("would", "you", "like", "me"),
    ("would", "you", "like", "us"), ("should", "i"), ("shall", "i"),
)  # fmt: skip
# Whisper sometimes runs two people's sentences together without punctuation ("...looking
# for work We're not hiring"); a capitalised everyday opener mid-sentence marks the seam.
# fmt: off
_OPENERS = frozenset({
    "we", "we're", "we've", "we'll", "you", "you're", "yes", "no", "okay", "ok", "sure",
    "sorry", "well", "oh", "so", "but", "thanks", "thank", "hi", "hello", "alright", "yeah",
    "that's", "it's", "they", "they're", "what", "how", "can", "do", "is", "are",
})
# fmt: on


@dataclass(frozen=True, slots=True)
class FlatWord:
    """One transcript word with its turn's speaker and segment index."""

    start: float
    end: float
    text: str
    speaker: Speaker
    segment: int


@dataclass(frozen=True, slots=True)
class Span:
    """A run of words [first, last] (inclusive word indices) with its times and text."""

    first: int
    last: int
    start: float
    end: float
    speaker: Speaker
    text: str


@dataclass(slots=True)
class TranscriptView:
    """Words in time order, their matching tokens, and the turn each belongs to."""

    words: list[FlatWord] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    raw_tokens: list[str] = field(default_factory=list)
    token_word: list[int] = field(default_factory=list)
    token_last_word: list[int] = field(default_factory=list)
    token_segment: list[int] = field(default_factory=list)
    segment_tokens: list[tuple[int, int]] = field(default_factory=list)
    speakers: list[Speaker] = field(default_factory=list)
    # Units are what one person says at a stretch: a turn in stereo; in mono, where one
    # "turn" may hold the whole call, a sentence (or a run of words without a long pause).
    unit_tokens: list[tuple[int, int]] = field(default_factory=list)
    token_unit: list[int] = field(default_factory=list)
    token_sentence: list[int] = field(default_factory=list)
    stereo: bool = False
    duration: float = 0.0  # of the recording, seconds

    @classmethod
    def build(cls, transcript: TranscriptData) -> TranscriptView:
        """Tokenise every segment; words without times get their segment's span spread evenly."""
        view = cls()
        for seg_index, seg in enumerate(transcript.segments):
            first_token = len(view.tokens)
            for word in _segment_words(seg.words, seg.text, seg.start, seg.end):
                view._add_word(word, seg.speaker, seg_index)
            view.segment_tokens.append((first_token, len(view.tokens)))
            view.speakers.append(seg.speaker)
        view.stereo = any(s != "unknown" for s in view.speakers)
        view.duration = transcript.duration
        view._split_units()
        return view

    def _split_units(self) -> None:
        """Cut tokens into sentences, and into units: turns in stereo, sentences in mono."""
        sentence, unit_start = 0, 0
        for i in range(len(self.tokens)):
            if i > 0:
                turn_break = self.token_segment[i] != self.token_segment[i - 1]
                sentence_break = turn_break or self._sentence_break(i)
                sentence += int(sentence_break)
                if turn_break or (sentence_break and not self.stereo):
                    self._close_unit(unit_start, i)
                    unit_start = i
            self.token_sentence.append(sentence)
        if self.tokens:
            self._close_unit(unit_start, len(self.tokens))

    def _close_unit(self, lo: int, hi: int) -> None:
        """Record tokens [lo, hi) as one unit."""
        self.unit_tokens.append((lo, hi))
        self.token_unit.extend([len(self.unit_tokens) - 1] * (hi - lo))

    def _sentence_break(self, i: int) -> bool:
        """Return True when token i starts a new sentence within a turn."""
        if self.token_word[i] == self.token_word[i - 1]:
            return False
        prev, word = self.words[self.token_last_word[i - 1]], self.words[self.token_word[i]]
        return prev.text.endswith(_SENTENCE_END) or word.start - prev.end > UNIT_PAUSE

    def _add_word(self, word: Word, speaker: Speaker, seg_index: int) -> None:
        """Append one word and its tokens, joining letters ASR spelled out ("A. C." -> "ac")."""
        index = len(self.words)
        self.words.append(FlatWord(word.start, word.end, word.word.strip(), speaker, seg_index))
        for piece, stemmed in word_tokens(word.word):
            if self._joins_letter_run(piece, seg_index):
                self.raw_tokens[-1] += piece
                self.tokens[-1] = stem(self.raw_tokens[-1])
                self.token_last_word[-1] = index
                continue
            self.raw_tokens.append(piece)
            self.tokens.append(stemmed)
            self.token_word.append(index)
            self.token_last_word.append(index)
            self.token_segment.append(seg_index)

    def _joins_letter_run(self, piece: str, seg_index: int) -> bool:
        """Return True when a lone letter continues a run of lone letters in the same turn."""
        if len(piece) != 1 or not piece.isalpha() or not self.raw_tokens:
            return False
        prev = self.raw_tokens[-1]
        same_turn = self.token_segment[-1] == seg_index
        # Only a run started by a lone-letter word may grow, so "the" + "a" never merges.
        first_word = self.words[self.token_word[-1]].text.strip(" .,-")
        return same_turn and prev.isalpha() and len(first_word) == 1 and len(prev) <= 5

    def span(self, first_word: int, last_word: int) -> Span:
        """Return the words [first_word, last_word] as a timed span."""
        words = self.words[first_word : last_word + 1]
        text = " ".join(w.text for w in words)
        return Span(first_word, last_word, words[0].start, words[-1].end, words[0].speaker, text)

    def token_span(self, first_token: int, last_token: int) -> Span:
        """Return the timed span of the words under tokens [first_token, last_token]."""
        return self.span(self.token_word[first_token], self.token_last_word[last_token])

    def context_span(self, first_word: int, last_word: int, pad: int = 6) -> Span:
        """Widen a match to its sentence inside the same turn, at most `pad` words each side."""
        seg = self.words[first_word].segment
        lo = first_word
        while lo > 0 and first_word - lo < pad and self.words[lo - 1].segment == seg:
            if self._ends_sentence(lo - 1) or self._pause_after(lo - 1):
                break
            lo -= 1
        hi = last_word
        while hi + 1 < len(self.words) and hi - last_word < pad:
            if self._ends_sentence(hi) or self.words[hi + 1].segment != seg:
                break
            if self._pause_after(hi):
                break
            hi += 1
        return self.span(lo, hi)

    def _pause_after(self, index: int) -> bool:
        """Return True when a pause follows word `index`: in mono, often the other speaker."""
        return self.words[index + 1].start - self.words[index].end > CONTEXT_PAUSE

    def _ends_sentence(self, index: int) -> bool:
        """Return True when word `index` ends a sentence: punctuation, or an opener follows."""
        if self.words[index].text.endswith(_SENTENCE_END):
            return True
        if index + 1 >= len(self.words):
            return True
        following = self.words[index + 1].text.strip(" ,.?!")
        return following[:1].isupper() and following.lower() in _OPENERS

    def question_sentences(self) -> set[int]:
        """Return the sentences whose last word ends with a question mark."""
        last: dict[int, int] = {}
        for i, sentence in enumerate(self.token_sentence):
            last[sentence] = i
        return {
            s for s, i in last.items() if self.words[self.token_last_word[i]].text.endswith("?")
        }

    def offer_sentences(self) -> set[int]:
        """Return the sentences that open with an offer ("want me to...", "should I...")."""
        first: dict[int, int] = {}
        for i, sentence in enumerate(self.token_sentence):
            first.setdefault(sentence, i)
        return {
            sentence
            for sentence, i in first.items()
            if any(tuple(self.raw_tokens[i : i + len(o)]) == o for o in _OFFER_OPENERS)
        }

    def unit_speaker(self, unit: int) -> Speaker:
        """Return the labelled speaker of a unit ("unknown" in mono)."""
        return self.speakers[self.token_segment[self.unit_tokens[unit][0]]]


def _segment_words(words: list[Word], text: str, start: float, end: float) -> list[Word]:
    """Return the segment's words, or split its text evenly over its span when it has none."""
    if words:
        return words
    parts = text.split()
    if not parts:
        return []
    step = max(end - start, 0.0) / len(parts)
    return [
        Word(start=start + i * step, end=start + (i + 1) * step, word=p)
        for i, p in enumerate(parts)
    ]
