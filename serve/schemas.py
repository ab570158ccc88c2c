"""The shapes of Parley's answers, shared by the HTTP API and `parley classify --json`."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictBool, Tag, field_validator, model_validator

from model.labels import LABELS, check_acts
from model.predictor import Predictor, SegmentPrediction
from model.sample_pages import EXAMPLE_PAGE


class ModelInfo(BaseModel):
    name: str
    version: str
    backbone: str


class SentenceResult(BaseModel):
    index: int
    text: str
    start: int | None = Field(description="Character offset into the posted text; null for `sentences`.")
    end: int | None
    boilerplate: bool
    acts: list[str]
    scores: dict[str, float]


class ClassifyResponse(BaseModel):
    model: ModelInfo
    sentences: list[SentenceResult]


def model_info(predictor: Predictor) -> ModelInfo:
    metadata = predictor.metadata
    return ModelInfo(name=metadata.name, version=metadata.version, backbone=metadata.backbone)


def classify_response(predictor: Predictor, predictions: list[SegmentPrediction]) -> ClassifyResponse:
    return ClassifyResponse(
        model=model_info(predictor),
        sentences=[SentenceResult.model_validate(prediction, from_attributes=True) for prediction in predictions],
    )


# The HTTP API's own shapes (serve/), and the request examples shown at /docs.

EXAMPLE_SENTENCES = [
    "La direction a proposé une prime de 900 euros, à condition que le préavis soit levé.",
    "« Le compte n'y est pas », a répondu le secrétaire général du syndicat.",
]
CLASSIFY_EXAMPLES = {
    "text": {"summary": "Page text, as scraped", "value": {"text": EXAMPLE_PAGE}},
    "sentences": {"summary": "Sentences of one document, in order", "value": {"sentences": EXAMPLE_SENTENCES}},
    "language": {
        "summary": "Page text in another language",
        "value": {
            "text": "The union rejected the offer. The company is ready to talk if the strike ends.",
            "language": "en",
        },
    },
}
BATCH_EXAMPLES = {
    "documents": {
        "summary": "Two pages",
        "value": {
            "documents": [
                {"id": "greve-1", "text": EXAMPLE_PAGE},
                {"id": "kiev-2", "text": "Moscou a rejeté l'offre. Kiev exclut toute concession territoriale."},
            ]
        },
    }
}

Language = Annotated[
    str | None,
    Field(
        min_length=2,
        max_length=8,
        description="Language for the sentence rules (fr, en, de…). Default: segmentation.default_language "
        "of the config.",
    ),
]


class ClassifyRequest(BaseModel):
    """Page text, or its sentences already cut: exactly one of the two."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="Page text as scraped; Parley cuts it into segments, with offsets.")
    sentences: list[str] | None = Field(
        None, description="Segments of one document, in order; the model reads them as one page. No offsets."
    )
    language: Language = None

    @model_validator(mode="after")
    def _exactly_one_input(self) -> "ClassifyRequest":
        if (self.text is None) == (self.sentences is None):
            raise ValueError("give exactly one of `text` and `sentences`")
        return self


class BatchDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=256, description="Your id for the document; the answer repeats it.")
    text: str = Field(description="Page text as scraped.")


class BatchRequest(BaseModel):
    """Several documents in one request; each is segmented and classified on its own."""

    model_config = ConfigDict(extra="forbid")

    documents: list[BatchDocument] = Field(min_length=1)
    language: Language = None


class ApiSentence(SentenceResult):
    truncated: bool = Field(
        False,
        description="The segment was longer than the service's character limit: the model saw only its beginning. "
        "`text`, `start` and `end` are still the whole segment's.",
    )


class ApiClassifyResponse(ClassifyResponse):
    request_id: str
    sentences: list[ApiSentence]


class DocumentResult(BaseModel):
    id: str
    sentences: list[ApiSentence]


class BatchResponse(BaseModel):
    model: ModelInfo
    request_id: str
    documents: list[DocumentResult]


class ModelDetails(ModelInfo):
    labels: list[str] = Field(description="The model's outputs, in order.")
    thresholds: dict[str, float] = Field(description="A label is on when its score reaches its threshold.")
    metrics: dict[str, Any] | None = Field(
        description="The evaluation metrics in the model folder's metrics.json; null when it has none."
    )
    device: str
    backend: str


class Health(BaseModel):
    status: str


class ErrorDetail(BaseModel):
    code: str = Field(examples=["empty_text"])
    message: str = Field(examples=["text holds no sentence to classify"])


class ErrorResponse(BaseModel):
    error: ErrorDetail
    request_id: str


# POST /v1/feedback: a user's labels for a sentence the model got wrong (or right).


class FeedbackModel(BaseModel):
    """The model whose answer is corrected: `model` of the /v1/classify answer (its backbone is not kept)."""

    name: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=100)
    backbone: str | None = None


class FeedbackItem(BaseModel):
    """One sentence and the labels it should have."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="The sentence, as /v1/classify gave it back.")
    boilerplate: StrictBool = Field(description="Not part of the article (menus, teasers, credits, …).")
    acts: list[str] = Field(
        [],
        description="The acts it makes or reports (none for boilerplate or neutral content).",
        examples=[["proposal"]],
    )
    context: list[str] | None = Field(
        None,
        min_length=1,
        description="The page's segments in order, the sentence among them (at least its neighbours): the export "
        "makes training pages of them.",
    )
    scores: dict[str, float] | None = Field(
        None, description="The scores the model gave (one per label); computed now by the served model when absent."
    )
    model: FeedbackModel | None = Field(None, description="The model that gave `scores`. Default: the one served.")
    request_id: str | None = Field(None, max_length=128, description="The /v1/classify answer being corrected.")
    language: Language = None

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("text is empty")
        return text

    @field_validator("acts")
    @classmethod
    def _known_acts(cls, acts: list[str]) -> list[str]:
        return list(check_acts(acts))

    @field_validator("scores")
    @classmethod
    def _one_score_per_label(cls, scores: dict[str, float] | None) -> dict[str, float] | None:
        if scores is None:
            return None
        if sorted(scores) != sorted(LABELS):
            raise ValueError(f"scores needs one value for each label: {', '.join(LABELS)}")
        if not all(0 <= value <= 1 for value in scores.values()):
            raise ValueError("scores are values in [0, 1]")
        return {label: scores[label] for label in LABELS}

    @model_validator(mode="after")
    def _consistent(self) -> "FeedbackItem":
        if self.boilerplate and self.acts:
            raise ValueError("a boilerplate sentence has no acts (docs/labels.md)")
        if self.context is not None and self.text not in self.context:
            raise ValueError("context must hold the sentence itself, in its place among its neighbours")
        if self.context is not None and any(not segment.strip() for segment in self.context):
            raise ValueError("context holds an empty segment")
        return self


class FeedbackBatch(BaseModel):
    """Several corrections, stored together (all or none)."""

    model_config = ConfigDict(extra="forbid")

    items: list[FeedbackItem] = Field(min_length=1)


def _feedback_kind(value: Any) -> str:
    return "batch" if isinstance(value, dict) and "items" in value else "item"


FeedbackRequest = Annotated[
    Annotated[FeedbackItem, Tag("item")] | Annotated[FeedbackBatch, Tag("batch")],
    Discriminator(_feedback_kind),
]


class FeedbackCreated(BaseModel):
    id: int = Field(description="The stored correction's id.")


class FeedbackBatchCreated(BaseModel):
    ids: list[int] = Field(description="The stored corrections' ids, in the order of `items`.")


FEEDBACK_EXAMPLES = {
    "item": {
        "summary": "One sentence, with its page",
        "value": {
            "text": EXAMPLE_SENTENCES[1],
            "boilerplate": False,
            "acts": ["refusal"],
            "context": EXAMPLE_SENTENCES,
        },
    },
    "items": {
        "summary": "Several sentences",
        "value": {
            "items": [
                {"text": EXAMPLE_SENTENCES[0], "boilerplate": False, "acts": ["proposal", "condition"]},
                {"text": "Partager sur Facebook", "boilerplate": True},
            ]
        },
    },
}
