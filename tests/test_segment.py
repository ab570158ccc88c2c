import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.segmentation_eval import load_gold, parley_segmenter, parse_marked, score
from model.segment import segment_text, supported_language


def texts(text: str, language: str = "fr") -> list[str]:
    return [segment.text for segment in segment_text(text, language)]


def assert_offsets_exact(text: str, language: str = "fr") -> None:
    previous_end = 0
    for segment in segment_text(text, language):
        assert text[segment.start : segment.end] == segment.text
        assert segment.start >= previous_end
        assert segment.text == segment.text.strip() and segment.text
        previous_end = segment.end


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "M. Dupont a vu Mme Leroy. Le Dr Martin a salué « un premier pas ».",
            ["M. Dupont a vu Mme Leroy.", "Le Dr Martin a salué « un premier pas »."],
        ),
        (
            "« Nous ne signerons pas. C'est inacceptable », a dit J.-P. Morel. La direction se tait.",
            ["« Nous ne signerons pas. C'est inacceptable », a dit J.-P. Morel.", "La direction se tait."],
        ),
        (
            "Le chômage recule de 3,5 % à 16:28, selon l'Insee. Voir p. 12 pour le détail.",
            ["Le chômage recule de 3,5 % à 16:28, selon l'Insee.", "Voir p. 12 pour le détail."],
        ),
        (
            "Le sommet aura lieu à Genève… ou à Vienne. Rien n'est décidé...",
            ["Le sommet aura lieu à Genève… ou à Vienne.", "Rien n'est décidé..."],
        ),
        (
            "Qui paiera ? Personne ne répond ! Le maire refuse.",
            ["Qui paiera ?", "Personne ne répond !", "Le maire refuse."],
        ),
        (
            "“Nous sommes prêts”, a affirmé la porte-parole. Elle a ajouté : “Pas à tout prix.”",
            ["“Nous sommes prêts”, a affirmé la porte-parole.", "Elle a ajouté : “Pas à tout prix.”"],
        ),
    ],
)
def test_french_news_typography(text, expected):
    assert texts(text) == expected
    assert_offsets_exact(text)


def test_lines_without_punctuation_are_one_segment_each():
    page = (
        "Accueil  Monde  Économie\n"
        "Publicité 2 Publicité 2 En savoir plus\n"
        "• La taxe reste stable\n"
        "– Les tarifs augmentent"
    )
    assert texts(page) == [
        "Accueil  Monde  Économie",
        "Publicité 2 Publicité 2 En savoir plus",
        "• La taxe reste stable",
        "– Les tarifs augmentent",
    ]


def test_crlf_tabs_blank_lines_and_non_breaking_spaces():
    page = "Titre\r\n\r\n\t M.\u00a0Bernard a reçu les élus.\u00a0Le ministre n'a rien promis.\t\r\nFin\r"
    segments = segment_text(page)
    assert [s.text for s in segments] == [
        "Titre",
        "M.\u00a0Bernard a reçu les élus.",
        "Le ministre n'a rien promis.",
        "Fin",
    ]
    assert_offsets_exact(page)


def test_english_and_german_rules():
    assert texts("Mr. Smith met Dr. Jones at 9 a.m. on Monday. They agreed.", "en") == [
        "Mr. Smith met Dr. Jones at 9 a.m. on Monday.",
        "They agreed.",
    ]
    assert texts("Die Frist läuft am 30. Juni ab. Danach entscheidet z. B. das Gericht.", "de") == [
        "Die Frist läuft am 30. Juni ab.",
        "Danach entscheidet z. B. das Gericht.",
    ]


def test_unknown_language_falls_back_to_english_rules():
    assert supported_language("xx") == "en"
    assert supported_language("fr-FR") == "fr"
    assert texts("Hello there. Bye now.", "xx") == ["Hello there.", "Bye now."]


def test_empty_and_blank_text_give_no_segment():
    assert segment_text("") == []
    assert segment_text(" \n\t\r\n\u00a0") == []


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("Ab é.?!…«» \n\r\t\u00a0M-1,:;'\"“”🙂")), max_size=200)
    | st.text(max_size=200)
)
def test_offsets_slice_back_and_only_whitespace_is_lost(text):
    segments = segment_text(text)
    previous_end = 0
    for segment in segments:
        assert text[segment.start : segment.end] == segment.text
        assert segment.start >= previous_end
        assert not text[previous_end : segment.start].strip()
        previous_end = segment.end
    assert not text[previous_end:].strip()


def test_gold_markup_parses_to_spans():
    text, spans = parse_marked("Un. ¦Deux.\nTrois\n")
    assert text == "Un. Deux.\nTrois\n"
    assert [text[s:e] for s, e in spans] == ["Un.", "Deux.", "Trois"]


def test_gold_set_is_large_enough_and_multilingual():
    documents = load_gold()
    assert len(documents) >= 30
    assert {document.language for document in documents} >= {"fr", "en", "de"}


def test_boundary_f1_on_the_gold_set_meets_the_target():
    assert score(parley_segmenter, load_gold()).f1 >= 0.97
