"""The corpus statistics that `parley data stats` reports and tests/test_corpus.py asserts on data/."""

from training.boilerplate_kinds import OTHER_HEADLINE, SECTION_LABEL, boilerplate_kind
from training.corpus_stats import CORPUS_TARGETS, compute_stats, format_stats, names_in
from training.data import Document, LabelledSegment


def segment(text, acts=(), boilerplate=False, family=None):
    return LabelledSegment(text=text, boilerplate=boilerplate, acts=acts, family=family)


def page(doc_id, lang, segments):
    return Document(doc_id=doc_id, lang=lang, segments=tuple(segments))


def test_names_are_capitalised_words_that_do_not_open_a_sentence():
    text = "Selon le Kremlin, Vladimir Poutine a reçu la CGT et Ursula von der Leyen mardi. Le ministre est parti."
    assert names_in(text) == {"Kremlin", "Vladimir Poutine", "CGT", "Ursula von der Leyen"}
    assert names_in("Mardi, le Premier ministre a parlé.") == set()


def test_boilerplate_kinds_are_read_from_the_wording():
    assert boilerplate_kind("Publié le 14/02/2025 à 08h12") == "date or update stamp"
    assert boilerplate_kind("Partager sur Facebook · Copier le lien") == "share or social buttons"
    assert boilerplate_kind("Lesen Sie auch") == "related-articles heading"
    assert boilerplate_kind("Les commentaires sont modérés a priori") == "comment moderation notice"
    assert boilerplate_kind("Monde") == SECTION_LABEL
    assert boilerplate_kind("Grève à la RATP : la direction cède sur les primes") == OTHER_HEADLINE


def test_stats_measure_the_shape_of_the_content_and_the_families():
    documents = [
        page(
            "a",
            "fr",
            [
                segment("Accueil | Monde | Sport", boilerplate=True),
                segment("La CGT propose une trêve si la direction recule.", ("proposal", "condition")),
                segment("La CGT accepte l'offre.", ("acceptance",), family="bare-noun-offer"),
                segment("Les trains roulaient peu.", family="background-consequence"),
            ],
        ),
        page("b", "de", [segment("Die Gewerkschaft lehnt ab.", ("refusal",)), segment("Es regnet.")]),
    ]
    stats = compute_stats({"train": documents})
    assert stats.content_segments == 5 and stats.neutral_share == 0.4
    content = [s.text for d in documents for s in d.segments if not s.boilerplate]
    assert stats.mean_content_characters == sum(map(len, content)) / 5
    assert stats.condition_share("proposal") == 1.0 and stats.condition_share("acceptance") == 0.0
    assert stats.non_french_share == 0.5
    assert stats.families == {"bare-noun-offer": 1, "background-consequence": 1}
    assert stats.names["CGT"] == {"proposal": 1, "condition": 1, "acceptance": 1}
    assert stats.boilerplate_kinds == {"menu or section list": 1}
    report = format_stats(stats)
    assert "neutral 40.0%" in report and "bare-noun-offer" in report
    missed = {target.name for target in CORPUS_TARGETS if not target.met(stats)}
    assert "share of proposals with a condition" in missed and "documents" in missed
    assert "share of acceptances with a condition" not in missed and "duplicate content segments" not in missed
