"""`parley classify --input DOCS.jsonl --output LABELLED.jsonl`: label a whole corpus.

Input: one JSON document per line, ``{"id": ..., "text": "<page text>"}`` or
``{"id": ..., "segments": [...]}`` (segments cut already: strings, or objects
with a ``"text"``, as in the labelled-data format), with ``doc_id`` accepted for
``id`` and an optional ``lang`` (or ``language``). Every line is checked before
anything is classified; a bad one is an error naming the file, the line and
the field, and so is an id seen twice.

Output: one line per document, ``{"id", "model", "sentences"}``: the answer of
``parley classify --json`` (the HTTP API's shape) with the document's id.
Each line is written whole and flushed, so after an interruption (Ctrl-C, a
crash, a killed job) the same command resumes: the ids already in the output
are skipped, a last line cut short is dropped and its document done again, and
the rest is appended. No document is lost or written twice.

Engines:

- ``local`` (default): this machine. Documents are labelled in chunks whose
  windows share forward passes, in ``workers`` processes with
  the cores shared among them (one process with every core as intra-op threads
  when ``workers`` is 1). Output follows the input order.
- ``ray`` (extra ``[ray]``): Ray Data on the Ray cluster of ``RAY_ADDRESS`` (or a
  local one), the predictor held by a callable class in ``map_batches``, one
  copy per actor. The model folder and the input file must be at the same path
  on every node. Output order is the order batches finish in.
"""

from parley.corpus.engines import PredictorSpec, available_cores
from parley.corpus.files import CorpusError, completed_ids
from parley.corpus.run import CorpusSummary, classify_corpus

__all__ = ["CorpusError", "CorpusSummary", "PredictorSpec", "available_cores", "classify_corpus", "completed_ids"]
