"""The feedback store on SQLite and on a real PostgreSQL server: its migrations, its rows, the export and the
counts made from them."""

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from feedback.export import correction_documents
from feedback.stats import feedback_stats
from feedback.store import FeedbackStore, FeedbackStoreError
from feedback.tables import Base, Correction, page_hash, text_hash
from training.data import read_documents, write_documents

PAGE = ["Accueil", "La direction propose une prime.", "Le syndicat refuse.", "Partager"]
SCORES = dict.fromkeys(("boilerplate", "proposal", "acceptance", "refusal", "condition"), 0.5)


def correction(text: str, *, context=None, boilerplate=False, acts=(), model="m 1", when=None) -> Correction:
    name, version = model.split()
    return Correction(
        created_at=when or datetime.now(UTC),
        text=text,
        text_hash=text_hash(text),
        context=context,
        page_hash=page_hash(context) if context else None,
        language="fr",
        boilerplate=boilerplate,
        acts=list(acts),
        scores=SCORES,
        model_name=name,
        model_version=version,
        client=None,
        request_id=None,
    )


@pytest.fixture
def store(database_url):
    store = FeedbackStore(database_url)
    yield store
    store.close()


def test_the_migrations_build_exactly_the_tables_of_the_code(store):
    store.ensure_schema()
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_rows_are_kept_in_order_and_a_sentence_corrected_twice_keeps_both(store):
    ids = store.add([correction(PAGE[1], acts=["proposal"]), correction(PAGE[2], acts=["refusal"])])
    ids += store.add([correction(PAGE[1], acts=["proposal", "condition"])])
    rows = list(store.corrections())
    assert [row.id for row in rows] == ids and ids == sorted(ids)
    assert [row.acts for row in rows] == [["proposal"], ["refusal"], ["proposal", "condition"]]
    assert rows[0].text_hash == rows[2].text_hash == text_hash(PAGE[1])
    assert all(row.created_utc.tzinfo is not None for row in rows)
    assert store.count() == 3


def test_a_fully_corrected_page_exports_as_one_whole_document_and_the_latest_correction_wins(store, tmp_path):
    labels = [(True, []), (False, ["proposal"]), (False, ["refusal"]), (True, [])]
    store.add([correction(t, context=PAGE, boilerplate=b, acts=a) for t, (b, a) in zip(PAGE, labels, strict=True)])
    store.add([correction(PAGE[1], context=PAGE, acts=["proposal", "condition"])])
    (document,) = correction_documents(store.corrections())
    assert [segment.text for segment in document.segments] == PAGE
    assert [segment.context for segment in document.segments] == [None] * 4
    assert [segment.acts for segment in document.segments] == [(), ("proposal", "condition"), ("refusal",), ()]
    write_documents([document], tmp_path / "corrections.jsonl")
    assert read_documents([tmp_path / "corrections.jsonl"]) == [document]


def test_a_page_corrected_in_part_keeps_the_segment_before_each_correction_as_its_context(store):
    store.add(
        [correction(PAGE[2], context=PAGE, acts=["refusal"]), correction(PAGE[0], context=PAGE, boilerplate=True)]
    )
    (document,) = correction_documents(store.corrections())
    assert [(s.text, s.context, s.boilerplate, s.acts) for s in document.segments] == [
        (PAGE[0], None, True, ()),
        (PAGE[2], PAGE[1], False, ("refusal",)),
    ]


def test_corrections_without_context_are_documents_of_one_segment_each(store):
    store.add([correction("Le syndicat refuse.", acts=["refusal"]), correction("Lire aussi", boilerplate=True)])
    documents = correction_documents(store.corrections())
    assert [[s.text for s in d.segments] for d in documents] == [["Le syndicat refuse."], ["Lire aussi"]]
    assert len({d.doc_id for d in documents}) == 2


def test_stats_count_by_label_model_and_day(store):
    day = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    store.add(
        [
            correction("a", acts=["proposal", "condition"], when=day),
            correction("b", boilerplate=True, model="m 2"),
            correction("c"),
            correction("a", acts=["proposal"], model="m 2"),
        ]
    )
    stats = feedback_stats(store.corrections()).as_dict()
    assert stats["corrections"] == 4 and stats["sentences"] == 3
    assert stats["by_label"] == {
        "boilerplate": 1,
        "proposal": 2,
        "acceptance": 0,
        "refusal": 0,
        "condition": 1,
        "neutral": 1,
    }
    assert stats["by_model"] == {"m 1": 2, "m 2": 2}
    assert stats["by_day"]["2026-11-30"] == 1 and sum(stats["by_day"].values()) == 4


def test_an_unsupported_or_malformed_url_is_refused_with_the_forms_that_work():
    with pytest.raises(FeedbackStoreError, match="use sqlite:///PATH or postgresql://"):
        FeedbackStore("mysql://user@localhost/parley")
    with pytest.raises(FeedbackStoreError, match="is not a database URL"):
        FeedbackStore("not a url")


def test_an_unreachable_database_is_an_error_that_names_it_without_its_password():
    store = FeedbackStore("postgresql://parley:s3cret@127.0.0.1:9/feedback")
    with pytest.raises(FeedbackStoreError, match=r"cannot open the feedback database .*\*\*\*@127\.0\.0\.1:9") as info:
        store.count()
    assert "s3cret" not in str(info.value)
