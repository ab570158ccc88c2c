"""Two baselines that the model must beat, scored through the same evaluation.

Both follow scikit-learn's conventions: parameters in ``__init__`` (so
``get_params``/``set_params``/``clone`` work), ``fit(documents)`` returning the
estimator, fitted state in attributes ending with ``_``, and
``predict_scores(documents)`` giving one row of five scores per segment
(``LABELS`` order, rows aligned with ``training.evaluate.gold_matrix``). The
caller tunes their thresholds on the dev split with
``training.evaluate.tune_thresholds``, exactly as for the model.

- :class:`KeywordBaseline`: cue phrases per act and per language, and page
  chrome rules for boilerplate, written from docs/labels.md. Its scores are the
  weight of the strongest cue found (1.0 for a clear cue, less for an
  ambiguous one such as a bare "si"), so that tuning decides whether the weak
  cues count.
- :class:`TfidfBaseline`: TF-IDF of the segment (word and character n-grams)
  and of the context text the model gets, then one logistic regression per
  label.
"""

import re
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from model.labels import ACTS, BOILERPLATE, LABELS
from training.data import Document
from training.evaluate import gold_matrix

STRONG, WEAK = 1.0, 0.5

# Act cues per language: (regex, weight). "'" stands for either apostrophe.
ACT_CUES: dict[str, dict[str, list[tuple[str, float]]]] = {
    "fr": {
        "proposal": [
            (r"\bpropos(?:e|es|ent|ons|ez|er|é|ée|és|ées|ait|aient|ant|era|erait|eront|ition|itions)\b", STRONG),
            (r"\boffr(?:e|es|ent|ir|ait|aient|ant|ira|irait)\b|\boffert(?:e|s|es)?\b", STRONG),
            (r"\binvit(?:e|es|ent|er|é|ée|és|ées|ait|ant|ation)\b", STRONG),
            (r"\bappel(?:le|lent|é|ée|ait|aient|ant|er|lera)?\s+(?:à|au|aux)\b", STRONG),
            (r"\bdemand(?:e|ent|er|é|ée|ait|aient|ant|era)\b", STRONG),
            (r"\bexig(?:e|ent|er|é|ée|eait|eant|era)\b|\bréclam(?:e|ent|er|é|ée|ait|ant)\b", STRONG),
            (r"\bsugg[èé]r(?:e|ent|er|é|ée|ait)\b|\bexhort\w*|\bplaid(?:e|ent|é) pour\b|\bprôn\w*", STRONG),
            (r"\bmain tendue\b|\btend(?:u)? la main\b|\bultimatum\b|\bcontre-offre\b", STRONG),
            (r"\bprêt(?:e|s|es)? à (?:verser|payer|financer|investir|céder|offrir|débourser|mettre)\b", STRONG),
            (r"\bdéposé(?:e|s|es)?\b|\bmotion\b|\bmédiation\b|\bsouhait\w* que\b", WEAK),
        ],
        "acceptance": [
            (r"\baccept(?:e|es|ent|er|é|ée|és|ées|ait|aient|ant|era|erait|ation)\b", STRONG),
            (r"\bapprouv\w*|\bapprobation\b|\bentérin\w*|\bratifi\w*|\bfeu vert\b", STRONG),
            (r"\bsign(?:é|ée|és|ées|ent|era|eront|ature)\b", STRONG),
            (r"\bsalu(?:e|ent|é|ée|ait)\b|\bse félicit\w*|\bconfirm(?:e|ent|é|ée|és|ées|ait|ation)\b", STRONG),
            (r"\bprêt(?:e|s|es)? à\b|\bdisposé(?:e|s|es)? à\b|\bouvert(?:e|s|es)? (?:à|au|aux)\b", STRONG),
            (r"\bd'accord\b|\baccord (?:trouvé|conclu|de principe)\b|\bfavorables?\b", STRONG),
            (r"\bpas opposé\w*|\bne s'oppose(?:nt)? pas\b|\bn'a pas fermé la porte\b", STRONG),
            (r"\bne refus\w* (?:jamais|pas)\b", STRONG),
            (r"\bvalid(?:e|ent|é|ée|er)\b|\bautoris(?:e|ent|é|ée|er)\b|\badopt(?:e|ent|é|ée|és|ées)\b", STRONG),
            (r"\bsigne\b|\brecommand\w*|\bse verront\b|\bse rencontreront\b", WEAK),
        ],
        "refusal": [
            (r"(?<!ne )\brefus(?:e|es|ent|er|é|ée|és|ées|ait|aient|ant|era|erait)?\b", STRONG),
            (r"\brejet(?:te|tent|ter|é|ée|és|ées|ait|aient|ant|tera)?\b", STRONG),
            (r"\bexclu(?:t|ent|re|e|es|s|ait)?\b|\bdéclin(?:e|ent|é|ée|er|ait)\b", STRONG),
            (
                r"\bne (?:signera|signe|signeront|acceptera|accepte|accepteront|veut|veulent|cédera|céderont) pas\b",
                STRONG,
            ),
            (r"\bn'(?:a|ont|avons|ai) pas l'intention\b|\bn'accept\w* pas\b|\b(?:pas|hors de) question\b", STRONG),
            (r"\binacceptables?\b|\binsuffisant\w*|\ble compte n'y est pas\b|\bv[ée]to\b", STRONG),
            (r"\bvot\w* contre\b|\bboycott\w*|\bclaqu\w* la porte\b|\bne (?:serait|sont|est) pas prêt", STRONG),
            (r"(?<!ne )\bs'oppos\w*|^\W*non\b|\b(?:dit|disent) non\b", STRONG),
            (r"\bécart(?:e|ent|é|ée|er)\b|\bse retir\w*|\bsans réponse\b", WEAK),
        ],
        "condition": [
            (r"\bà (?:la )?condition\b|\bsous réserve\b|\btant que\b|\bà moins (?:que|d')|\bpourvu que\b", STRONG),
            (r"\bsauf si\b|\bsous peine\b|\bpas avant\b|\bdépend\w* (?:de|du|des)\b|\bconditionn\w*", STRONG),
            (r"\b(?:seulement|uniquement|que) si\b|\ben échange (?:de|d')|\bmoyennant\b|\bpréconditions?\b", STRONG),
            (r"\bexig\w* que\b|\bdoit encore être (?:approuvé|validé|ratifié)\w*", STRONG),
            (r"(?<!ces )(?<!sans )\bconditions?\b|\bpréalables?\b|\bexigences?\b|\buniquement\b", WEAK),
            (r"(?<!même )\bsi\b(?! possible)|\bs'(?:il|ils)\b|\bsans cela\b|\bfaute de quoi\b", WEAK),
        ],
    },
    "en": {
        "proposal": [
            (r"\bpropos(?:e|es|ed|ing|al|als)\b|\boffer(?:s|ed|ing)?\b|\binvit(?:e|es|ed|ing|ation)\b", STRONG),
            (r"\bcall(?:s|ed|ing)? (?:for|on)\b|\burg(?:e|es|ed|ing)\b|\bdemand(?:s|ed|ing)?\b", STRONG),
            (r"\bsuggest\w*|\bput(?:s)? forward\b|\bready to (?:pay|offer|give|invest)\b", STRONG),
            (r"\bbid\b|\bask(?:s|ed)?\b", WEAK),
        ],
        "acceptance": [
            (r"\baccept(?:s|ed|ing|ance)?\b|\bagree(?:s|d|ment)?\b|\bapprov\w*|\bsign(?:s|ed|ing)\b", STRONG),
            (r"\bwelcom\w*|\bconfirm\w*|\b(?:ready|willing|prepared|open) to\b|\bendors\w*", STRONG),
            (r"\bnot opposed\b|\bgreen light\b|\bratif\w*", STRONG),
            (r"\bback(?:s|ed)\b", WEAK),
        ],
        "refusal": [
            (r"\breject\w*|\brefus\w*|\brul(?:e|es|ed|ing) out\b|\bturn(?:s|ed)? down\b", STRONG),
            (r"\bwon't\b|\bwill not\b|\bveto\w*|\bunacceptable\b|\bvot\w* against\b", STRONG),
            (r"\bnot (?:ready|willing|prepared) to\b|\bwalk(?:s|ed)? away\b|^\W*no\b", STRONG),
            (r"\bdeclin(?:e|es|ed|ing)\b|\bdismiss\w*", WEAK),
        ],
        "condition": [
            (r"\bunless\b|\bprovided(?: that)?\b|\bon condition\b|\bas long as\b|\bsubject to\b", STRONG),
            (r"\bonly if\b|\bdepend\w* on\b|\bin exchange for\b|\bpre-?conditions?\b|\bnot before\b", STRONG),
            (r"\bif\b|(?<!without )(?<!no )\bconditions?\b", WEAK),
        ],
    },
    "de": {
        "proposal": [
            (r"\bschl[äa]gt\b.{0,80}\bvor\b|\bvorgeschlagen\b|\bvorschlag\w*", STRONG),
            (r"\bangebot\w*|\bangeboten\b|\bbiete[tn]?\b", STRONG),
            (r"\bford(?:ert|ern|erte|erten)\b|\bgefordert\b|\bforderung\w*|\bverlang\w*", STRONG),
            (r"\blädt\b.{0,80}\bein\b|\beingeladen\b|\beinladung\b", STRONG),
            (r"\bruf(?:t|en)\b.{0,80}\bauf\b|\brief(?:en)?\b.{0,80}\bauf\b|\baufgerufen\b|\baufruf\b", STRONG),
            (r"\bappelliert\w*|\bdräng\w*", WEAK),
        ],
        "acceptance": [
            (r"\bakzeptier\w*|\bangenommen\b|\bstimm(?:t|en|te|ten)\b.{0,60}\bzu\b|\bzugestimmt\b", STRONG),
            (r"\bzustimmung\b|(?<!nicht )\b\w*bereit(?:e|en|er)?\b|\bbegrüß\w*|\bbestätig\w*", STRONG),
            (r"\bunterzeichn\w*|\bunterschrieben\b|\bbillig(?:t|en|te)\b|\bgenehmig\w*", STRONG),
            (r"\beinverstanden\b|\boffen für\b|\beinig(?:t|ten|ung)\b", STRONG),
            (r"\bnimmt\b.{0,60}\ban\b", WEAK),
        ],
        "refusal": [
            (r"\blehn(?:t|en|te|ten)\b|\babgelehnt\b|\bablehn\w*", STRONG),
            (r"\bw(?:ei|ie)s(?:t|en)?\b.{0,80}\bzurück\b|\bzurückgewiesen\b|\bverweiger\w*", STRONG),
            (r"\bschließ(?:t|en)\b.{0,80}\baus\b|\bausgeschlossen\b|\bunannehmbar\b|\binakzeptabel\b", STRONG),
            (r"\bnicht (?:\w+ )?bereit\b|\bnein\b|\bveto\b|\bstimm\w* gegen\b|\bkommt nicht in frage\b", STRONG),
            (r"\bboykott\w*", WEAK),
        ],
        "condition": [
            (r"\bfalls\b|\bsofern\b|\bunter der (?:bedingung|voraussetzung)\b|\bbedingung\w*", STRONG),
            (r"\bvoraussetzung\w*|\bvorausgesetzt\b|\bsolange\b|\bes sei denn\b|\berst (?:dann|wenn)\b", STRONG),
            (r"\bknüpf\w*|\bgeknüpft\b|\babhängig\b|\bhängt\b.{0,40}\bab\b", STRONG),
            (r"\bwenn\b|\bnur\b|\bsollte\b", WEAK),
        ],
    },
    "es": {
        "proposal": [
            (r"\bpropon\w*|\bpropus\w*|\bpropuesta\w*|\bofrec\w*|\bofert\w*|\binvit\w*", STRONG),
            (r"\bpid(?:e|en|ió|ieron)\b|\bexig\w*|\bllam\w* a\b|\breclam\w*|\bsugi[er]\w*", STRONG),
            (r"\binst(?:a|an|ó)\b", WEAK),
        ],
        "acceptance": [
            (r"\bacept\w*|\baprob\w*|\bfirm(?:ó|a|an|aron|ado|ará)\b|(?<!no está )\bdispuest\w*", STRONG),
            (r"\bconfirm\w*|\bde acuerdo\b|\brespald\w*|\bvisto bueno\b|\bluz verde\b", STRONG),
            (r"\bacog\w*|\bacuerdo\b|\bsatisfech\w*", WEAK),
        ],
        "refusal": [
            (r"\brechaz\w*|\bse nieg\w*|\bse negó\b|\bnegarse\b|\bdescart\w*|\bse opon\w*|\bse opuso\b", STRONG),
            (r"\binaceptable\w*|\bno (?:está|están|estamos) dispuest\w*|\bno firmará\w*|\bveto\b", STRONG),
            (r"\bvot\w* en contra\b|^\W*no\b|\binsuficiente\w*", STRONG),
        ],
        "condition": [
            (r"\bsiempre (?:que|y cuando)\b|\ba condición\b|\bcondicion\w*|\bsalvo (?:que|si)\b", STRONG),
            (r"\ba menos que\b|\bs[óo]lo si\b|\bdepend\w* de\b|\ba cambio de\b|\brequisito\w*", STRONG),
            (r"\bsi\b|\bmientras\b", WEAK),
        ],
    },
    "it": {
        "proposal": [
            (r"\bpropo(?:ne|ngono|neva|nendo|rre|sto|sta|ste|sti|sero)\b|\bpropost[aei]\b", STRONG),
            (r"\boffr(?:e|ono|ire|iva)\b|\bofferta\w*|\bofferto\b|\binvit\w*", STRONG),
            (r"\bchied(?:e|ono|eva|endo)\b|\bchiest[oa]\b|\besig\w*|\bsollecit\w*|\brichiest\w*", STRONG),
            (r"\bappell\w*", WEAK),
        ],
        "acceptance": [
            (r"\baccett\w*|\bapprov\w*|\bfirm(?:a|ano|ato|ata|erà)\b|(?<!non è )\bdispost\w*", STRONG),
            (r"\bdisponibil\w*|\bconferm\w*|\bd'accordo\b|\bvia libera\b|\bfavorevol\w*", STRONG),
            (r"\bsaluta\w*|\bintesa\b|\baccordo\b|\bapert(?:o|i|ura)\b", WEAK),
        ],
        "refusal": [
            (r"\bresping\w*|\brespint\w*|\brifiut\w*|\bbocci\w*|\bescl(?:ude|udono|uso|usa)\b", STRONG),
            (r"\binaccettabil\w*|\bnon (?:è|sono|siamo) dispost\w*|\bnon firmerà\b|\bveto\b", STRONG),
            (r"\bvot\w* contro\b|^\W*no\b|\bno al\b|\binsufficient\w*", STRONG),
        ],
        "condition": [
            (r"\ba condizione\b|\bpurché\b|\bcondizion\w*|\ba meno che\b|\bsol(?:o|tanto) se\b", STRONG),
            (r"\bdipend\w* da\b|\bin cambio di\b|\bfinché\b|\brequisit\w*", STRONG),
            (r"\bse\b|\bsalvo\b", WEAK),
        ],
    },
}

# Boilerplate cues, for every language (pages mix them: "Newsletter" on a French page).
# Notices are boilerplate at any length (cookie banners are long sentences).
NOTICE_CUES = (
    r"©|\bcookies?\b|\bnewsletter\b|https?://|\bwww\.|\bdiv (?:id|class)=|!\[|\bQR\b|"
    r"\babonnez-vous\b|\bs'abonner\b|\bréservé aux abonnés\b|\btous droits réservés\b|\bsuivez-nous\b|"
    r"\ball rights reserved\b|\bsubscribe\b|\bsign up\b|\balle rechte vorbehalten\b|\babonnieren\b|"
    r"\btodos los derechos reservados\b|\bsuscr[íi]bete\b|\btutti i diritti riservati\b|\biscriviti\b|\babbonati\b"
)
# Page chrome: boilerplate when the line is short.
CHROME_CUES = (
    r"\bpublicité\b|\bsponsoris\w*|\blire (?:aussi|la suite)\b|\bà lire\b|\bvoir aussi\b|\bsur le même sujet\b|"
    r"\bpartag(?:er|ez)\b|\bcopier le lien\b|\bmis(?:e)? à jour\b|\bpublié le\b|\btemps de lecture\b|"
    r"\bmin(?:utes?)? de lecture\b|\blecture\s*:?\s*\d+\s*min\b|\bse connecter\b|\bconnectez-vous\b|\bconnexion\b|"
    r"\bcommentaires?\b|\bréagir\b|\bréagissez\b|\binscrivez-vous\b|\ben savoir plus\b|\bdécouvrez\b|\bles plus lus\b|"
    r"\bpar la rédaction\b|\bavec (?:afp|reuters|ap)\b|\b(?:afp|reuters|belga|dpa|ansa|efe)\b|\bcrédits? photo\b|"
    r"\bfacebook\b|\btwitter\b|\bwhatsapp\b|\blinkedin\b|\binstagram\b|\btelegram\b|\bvous propose\b|"
    r"\badvertisement\b|\bsponsored\b|\bread more\b|\brelated\b|\bshare\b|\bsign in\b|\blog in\b|\bupdated\b|"
    r"\bpublished\b|\bmost read\b|\bmin read\b|\bfollow us\b|"
    r"\banzeige\b|\bwerbung\b|\bmehr zum thema\b|\blesen sie auch\b|\bteilen\b|\blesezeit\b|\baktualisiert\b|"
    r"\bveröffentlicht\b|\bkommentare?\b|\banmelden\b|\bweitere artikel\b|\bmeistgelesen\w*|"
    r"\bpublicidad\b|\blee también\b|\bleer más\b|\bcompartir\b|\bactualizado\b|\bpublicado\b|\blo más leído\b|"
    r"\bcomentarios?\b|\biniciar sesión\b|\bpubblicità\b|\bleggi anche\b|\bcondividi\b|\baggiornato\b|"
    r"\bpubblicato\b|\bpiù lett[ie]\b|\bcommenti\b|\baccedi\b"
)
TIMESTAMP_CUES = (
    r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}\s?[h:]\s?\d{2}\b|\bil y a \d+\s*(?:min|h|heures?)\b|"
    r"\b\d{1,2}(?:er)? (?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"
    r" \d{4}\b|\b(?:january|february|march|april|may|june|july|august|september|october|november|december)"
    r" \d{1,2}, \d{4}\b"
)
# A line that opens a block of links to other articles ("Lire aussi", "Les plus lus").
TEASER_BLOCK_CUES = (
    r"^\W*(?:à )?lire (?:aussi|également)|^\W*sur le même sujet|^\W*les plus (?:lus|partagés)|^\W*voir aussi|"
    r"^\W*dans la même rubrique|^\W*vous aimerez aussi|^\W*read more|^\W*related|^\W*most read|"
    r"^\W*more on this|^\W*mehr zum thema|^\W*lesen sie auch|^\W*weitere artikel|^\W*meistgelesen|"
    r"^\W*lee también|^\W*te puede interesar|^\W*lo más leído|^\W*leggi anche|^\W*più lett"
)
MENU_SEPARATORS = r"[|·•›]|\s{2,}"
SENTENCE_END = ".!?…»\"”'"
CHROME_MAX_WORDS = 15


def _compile(pattern: str) -> re.Pattern:
    return re.compile(pattern.replace("'", "['’]"), re.IGNORECASE)


def _check_documents(documents: Sequence[Document], who: str) -> list[Document]:
    """The documents as a list; a clear error for anything else or for none."""
    if isinstance(documents, Document) or not isinstance(documents, Sequence):
        raise TypeError(f"{who} takes a list of Document objects, got {type(documents).__name__}")
    if not documents:
        raise ValueError(f"{who} needs at least one labelled document, got none")
    for index, document in enumerate(documents):
        if not isinstance(document, Document):
            raise TypeError(f"{who}: item {index} is a {type(document).__name__}, not a Document")
    return list(documents)


class KeywordBaseline(BaseEstimator):
    """Cue phrases and page-chrome rules; nothing is learnt.

    ``short_line_words``: a line with no sentence-final punctuation and at most
    this many words looks like a menu item or an ad slot (a weak boilerplate cue).
    """

    def __init__(self, short_line_words: int = 6) -> None:
        self.short_line_words = short_line_words

    def fit(self, documents: Sequence[Document]) -> "KeywordBaseline":
        """Validates the documents and compiles the rules."""
        _check_documents(documents, "KeywordBaseline.fit")
        if self.short_line_words < 1:
            raise ValueError(f"short_line_words must be at least 1, got {self.short_line_words}")
        self.act_cues_ = {
            language: {act: [(_compile(pattern), weight) for pattern, weight in cues[act]] for act in ACTS}
            for language, cues in ACT_CUES.items()
        }
        self.boilerplate_cues_ = {
            name: _compile(pattern)
            for name, pattern in {
                "notice": NOTICE_CUES,
                "chrome": CHROME_CUES,
                "timestamp": TIMESTAMP_CUES,
                "teaser_block": TEASER_BLOCK_CUES,
                "menu": MENU_SEPARATORS,
            }.items()
        }
        return self

    def predict_scores(self, documents: Sequence[Document]) -> np.ndarray:
        """Scores in [0, 1], one row per segment, ``LABELS`` order."""
        check_is_fitted(self, "act_cues_")
        documents = _check_documents(documents, "KeywordBaseline.predict_scores")
        return np.array([row for document in documents for row in self._document_scores(document)], dtype=np.float32)

    def _document_scores(self, document: Document) -> list[list[float]]:
        cues = self._act_cues_for(document.lang)
        rows, in_teaser_block = [], False
        for segment in document.segments:
            text = segment.text.strip()
            ends_sentence = text.endswith(tuple(SENTENCE_END))
            boilerplate = self._boilerplate_score(text, ends_sentence)
            if in_teaser_block and not ends_sentence:
                boilerplate = max(boilerplate, 0.8)
            in_teaser_block = bool(self.boilerplate_cues_["teaser_block"].search(text)) or (
                in_teaser_block and not ends_sentence
            )
            acts = {
                act: max((weight for pattern, weight in cues[act] if pattern.search(text)), default=0.0) for act in ACTS
            }
            rows.append([boilerplate if label == BOILERPLATE else acts[label] for label in LABELS])
        return rows

    def _act_cues_for(self, language: str) -> dict[str, list[tuple[re.Pattern, float]]]:
        """The cues of the document's language; every language's for a language it has none for."""
        code = language.lower()[:2]
        if code in self.act_cues_:
            return self.act_cues_[code]
        return {act: [cue for cues in self.act_cues_.values() for cue in cues[act]] for act in ACTS}

    def _boilerplate_score(self, text: str, ends_sentence: bool) -> float:
        cues = self.boilerplate_cues_
        words = len(text.split())
        if cues["notice"].search(text):
            return 1.0
        short = words <= CHROME_MAX_WORDS
        if short and (cues["chrome"].search(text) or cues["timestamp"].search(text)):
            return 1.0
        if len(cues["menu"].findall(text)) >= 2 and not ends_sentence:
            return 0.9
        if ends_sentence:
            return 0.0
        return 0.5 if words <= self.short_line_words else 0.3


def neighbour_context(segments: Sequence[str], index: int, window: int, max_chars: int) -> str:
    """The context text of ``segments[index]``: its position, then up to ``window`` neighbours on each side,
    nearest first, each cut to ``max_chars`` characters ("3/14 < previous > next << two before >> two after")."""

    def clip(text: str) -> str:
        return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"

    parts = [f"{index + 1}/{len(segments)}"]
    for distance in range(1, window + 1):
        before, after = index - distance, index + distance
        if before >= 0:
            parts.append("<" * distance + " " + clip(segments[before]))
        if after < len(segments):
            parts.append(">" * distance + " " + clip(segments[after]))
    return " ".join(parts)


class TfidfBaseline(BaseEstimator):
    """TF-IDF of the segment and of its context, then logistic regression per label.

    The context is :func:`neighbour_context` (a segment's own ``context`` when it
    has one): the text the pair models of Parley 2 read, with their settings. ``C``
    was chosen on the dev split among 1, 4, 10 and 30 (dev macro-F1 over the
    acts 0.767, 0.776, 0.782, 0.781).
    """

    def __init__(
        self,
        context_window: int = 2,
        context_chars: int = 60,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        C: float = 10.0,
        max_iter: int = 2000,
    ) -> None:
        self.context_window = context_window
        self.context_chars = context_chars
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.C = C
        self.max_iter = max_iter

    def fit(self, documents: Sequence[Document]) -> "TfidfBaseline":
        documents = _check_documents(documents, "TfidfBaseline.fit")
        gold = gold_matrix(documents)
        missing = [label for column, label in enumerate(LABELS) if len(set(gold[:, column])) < 2]
        if missing:
            raise ValueError(
                f"TfidfBaseline.fit needs positive and negative segments for every label; "
                f"these have only one kind: {', '.join(missing)}"
            )
        self.pipeline_ = self._pipeline().fit(self._inputs(documents), gold)
        return self

    def predict_scores(self, documents: Sequence[Document]) -> np.ndarray:
        """Probabilities, one row per segment, ``LABELS`` order."""
        check_is_fitted(self, "pipeline_")
        documents = _check_documents(documents, "TfidfBaseline.predict_scores")
        return self.pipeline_.predict_proba(self._inputs(documents)).astype(np.float32)

    def _inputs(self, documents: list[Document]) -> np.ndarray:
        """A (segments x 2) array: segment text, context text."""
        pairs = []
        for document in documents:
            texts = [segment.text for segment in document.segments]
            for index, segment in enumerate(document.segments):
                context = segment.context
                if context is None:
                    context = neighbour_context(texts, index, self.context_window, self.context_chars)
                pairs.append((segment.text, context))
        return np.array(pairs, dtype=object).reshape(len(pairs), 2)

    def _pipeline(self) -> Pipeline:
        def words() -> TfidfVectorizer:
            return TfidfVectorizer(ngram_range=self.word_ngram_range, min_df=self.min_df, sublinear_tf=True)

        features = ColumnTransformer(
            [
                ("segment_words", words(), 0),
                (
                    "segment_chars",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=self.char_ngram_range, min_df=self.min_df, sublinear_tf=True
                    ),
                    0,
                ),
                ("context_words", words(), 1),
            ]
        )
        classifier = LogisticRegression(C=self.C, class_weight="balanced", max_iter=self.max_iter)
        return Pipeline([("features", features), ("classifier", OneVsRestClassifier(classifier))])
