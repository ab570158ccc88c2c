"""The shapes of Parley's answers, shared by the HTTP API and `parley classify --json`."""

from pydantic import BaseModel, Field

from model.predictor import Predictor, SegmentPrediction


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
