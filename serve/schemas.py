"""The shapes of Parley's answers, shared by the HTTP API and `parley classify --json`."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
