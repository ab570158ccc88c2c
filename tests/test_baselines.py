import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from bench.baseline_models import KeywordBaseline, TfidfBaseline
from model.labels import LABELS
from training.data import Document, LabelledSegment

COLUMN = {label: index for index, label in enumerate(LABELS)}


def document(*segments, doc_id="doc", lang="fr"):
    return Document(
        doc_id=doc_id,
        lang=lang,
        segments=tuple(
            LabelledSegment(text=text, boilerplate=boilerplate, acts=acts) for text, boilerplate, acts in segments
        ),
    )


def content(text, *acts):
    return (text, False, acts)


def chrome(text):
    return (text, True, ())


@pytest.fixture(scope="module")
def keyword():
    return KeywordBaseline().fit([document(content("Un."))])


def keyword_scores(baseline, *texts, lang="fr"):
    return baseline.predict_scores([document(*(content(text) for text in texts), lang=lang)])


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("La direction a proposé mardi une prime exceptionnelle aux contrôleurs.", "proposal"),
        ("Le syndicat appelle à la grève jeudi.", "proposal"),
        ("Le ministre s'est dit prêt à recevoir les organisations syndicales.", "acceptance"),
        ("Le conseil d'administration a approuvé l'offre de rachat.", "acceptance"),
        ("Moscou a rejeté l'offre de médiation.", "refusal"),
        ("Kiev exclut toute concession territoriale.", "refusal"),
        ("Le syndicat ne signera pas l'accord.", "refusal"),
        ("La prime sera versée à condition que le préavis soit levé.", "condition"),
        ("Le texte sera voté sous réserve d'un avis favorable du Conseil d'État.", "condition"),
    ],
)
def test_keyword_baseline_catches_clear_french_cues(keyword, text, label):
    scores = keyword_scores(keyword, text)[0]
    assert scores[COLUMN[label]] == 1.0
    assert scores[COLUMN["boilerplate"]] == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "Publicité",
        "Abonnez-vous à notre newsletter et recevez l'essentiel de l'actualité chaque matin.",
        "Publié le 14/02 à 08h12 - Mis à jour à 10h40",
        "Accueil | Monde | Économie | Sport",
        "Partager sur Facebook  Partager sur X  Copier le lien",
        "Nous utilisons des cookies pour mesurer l'audience et personnaliser les publicités que vous voyez.",
        "© Le Courrier du Centre 2025",
    ],
)
def test_keyword_baseline_catches_boilerplate_lines(keyword, text):
    assert keyword_scores(keyword, text)[0, COLUMN["boilerplate"]] >= 0.9


def test_teasers_after_lire_aussi_are_boilerplate_until_the_article_resumes(keyword):
    scores = keyword_scores(
        keyword,
        "Le ministre recevra les syndicats vendredi.",
        "Lire aussi",
        "Tempête Ciarán : les vols reprennent à Brest",
        "Le trafic ferroviaire perturbé ce week-end en Bretagne",
        "Les syndicats ont accueilli l'annonce avec prudence.",
    )
    assert scores[:, COLUMN["boilerplate"]].tolist() == pytest.approx([0.0, 1.0, 0.8, 0.8, 0.0])


def test_ambiguous_cues_score_less_than_clear_ones(keyword):
    scores = keyword_scores(
        keyword, "Si la grève continue, le trafic sera perturbé.", "Il accepte à condition d'être payé."
    )
    assert 0 < scores[0, COLUMN["condition"]] < scores[1, COLUMN["condition"]]


def test_keyword_cues_follow_the_document_language(keyword):
    text = "The union rejected the offer unless wages rise."
    english = keyword_scores(keyword, text, lang="en")[0]
    assert english[COLUMN["refusal"]] == english[COLUMN["condition"]] == 1.0
    assert keyword_scores(keyword, text, lang="xx")[0, COLUMN["refusal"]] == 1.0  # unknown language: every lexicon


def test_keyword_baseline_follows_estimator_conventions():
    baseline = KeywordBaseline(short_line_words=4)
    assert clone(baseline).get_params() == {"short_line_words": 4}
    with pytest.raises(NotFittedError):
        baseline.predict_scores([document(content("Un."))])
    with pytest.raises(ValueError, match="short_line_words"):
        KeywordBaseline(short_line_words=0).fit([document(content("Un."))])


PAGE = [
    chrome("Publicité"),
    chrome("Accueil | Monde | Sport"),
    content("La direction propose une prime aux salariés.", "proposal"),
    content("Le syndicat accepte la prime.", "acceptance"),
    content("Les cheminots refusent la réforme.", "refusal"),
    content("Le préavis sera levé à condition que la prime soit versée.", "condition"),
    content("Le trafic reprendra lundi matin."),
    chrome("Partager sur Facebook"),
]


def synthetic_corpus(count):
    return [document(*PAGE, doc_id=f"page-{number}") for number in range(count)]


def test_tfidf_baseline_learns_the_labels():
    baseline = TfidfBaseline(context_window=1, min_df=1).fit(synthetic_corpus(4))
    held_out = document(
        content("Le gouvernement propose une prime."),
        content("Les enseignants refusent la réforme."),
        chrome("Publicité"),
        doc_id="held-out",
    )
    scores = baseline.predict_scores([held_out])
    assert scores.shape == (3, len(LABELS))
    assert np.argmax(scores[:, COLUMN["proposal"]]) == 0
    assert np.argmax(scores[:, COLUMN["refusal"]]) == 1
    assert np.argmax(scores[:, COLUMN["boilerplate"]]) == 2
    assert clone(baseline).get_params()["context_window"] == 1


def test_tfidf_baseline_rejects_empty_and_wrong_input():
    with pytest.raises(ValueError, match="at least one labelled document"):
        TfidfBaseline().fit([])
    with pytest.raises(TypeError, match="not a Document"):
        TfidfBaseline().fit([{"text": "Un."}])
    with pytest.raises(NotFittedError):
        TfidfBaseline().predict_scores(synthetic_corpus(1))


def test_tfidf_baseline_needs_both_classes_of_every_label():
    without_condition = [document(*(s for s in PAGE if "condition" not in s[2]))]
    with pytest.raises(ValueError, match="only one kind: condition"):
        TfidfBaseline(min_df=1).fit(without_condition)
