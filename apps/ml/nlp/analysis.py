"""Language (lingua), sentiment (VADER, English only) and keywords (YAKE) of a message.

The lingua detector is restricted to six languages and built once per process, on first use: building it
and loading its models is slow (seconds), detecting afterwards takes well under a millisecond.
"""

import re
import threading

from lingua import Language, LanguageDetectorBuilder
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
from yake import KeywordExtractor

LANGUAGES = {
    Language.ENGLISH: "en",
    Language.SPANISH: "es",
    Language.PORTUGUESE: "pt",
    Language.FRENCH: "fr",
    Language.GERMAN: "de",
    Language.ITALIAN: "it",
}
# YAKE ships stop-word lists for all six; VADER's lexicon is English only.
SENTIMENT_LANGUAGES = frozenset({"en"})
KEYWORD_COUNT = 5
_WORDS = re.compile(r"[^\W\d_]{3,}")

_lock = threading.Lock()
_tools: dict = {}


def _detector():
    if "detector" not in _tools:
        with _lock:
            if "detector" not in _tools:
                detector = (
                    LanguageDetectorBuilder.from_languages(*LANGUAGES)
                    .with_minimum_relative_distance(0.05)
                    .with_preloaded_language_models()
                    .build()
                )
                _tools["detector"] = detector
    return _tools["detector"]


def _vader() -> SentimentIntensityAnalyzer:
    if "vader" not in _tools:
        _tools["vader"] = SentimentIntensityAnalyzer()
    return _tools["vader"]


def _yake(language: str) -> KeywordExtractor:
    key = f"yake:{language}"
    if key not in _tools:
        _tools[key] = KeywordExtractor(lan=language, n=2, top=KEYWORD_COUNT, dedupLim=0.7)
    return _tools[key]


def analysis_warm_up() -> None:
    """Build the detector and load its models now (the first message would otherwise wait seconds)."""
    _detector().detect_language_of("warm up the language models")
    _vader()


def language_detect(words_text: str) -> str | None:
    """ISO 639-1 code of the message's language among the six, or None when there are too few words
    (a bare "LAL -3.5 2u" has no language) or lingua cannot tell them apart."""
    if len(_WORDS.findall(words_text)) < 2:
        return None
    language = _detector().detect_language_of(words_text)
    return LANGUAGES.get(language) if language is not None else None


def sentiment_score(text: str, language: str | None) -> dict | None:
    """VADER's compound score and label for English; None for every other language (VADER's lexicon and
    rules are English: scoring Spanish with them would be a guess)."""
    if language not in SENTIMENT_LANGUAGES:
        return None
    scores = _vader().polarity_scores(text)
    compound = round(scores["compound"], 4)
    label = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
    return {"compound": compound, "label": label, "method": "vader"}


def keywords_extract(words_text: str, language: str | None) -> list[str]:
    """Up to five key phrases (YAKE, with the stop words of the detected language, English otherwise)."""
    if not _WORDS.search(words_text):
        return []
    return [phrase for phrase, _score in _yake(language or "en").extract_keywords(words_text)]
