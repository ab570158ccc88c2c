import time

from model.predictor import Predictor


class SlowPredictor:
    """A predictor whose forward passes take at least ``delay`` seconds, so that requests overlap a reload
    or a shutdown."""

    def __init__(self, predictor: Predictor, delay: float) -> None:
        self._predictor = predictor
        self.delay = delay

    def __getattr__(self, name):
        return getattr(self._predictor, name)

    def score_encoded(self, pages):
        time.sleep(self.delay)
        return self._predictor.score_encoded(pages)
