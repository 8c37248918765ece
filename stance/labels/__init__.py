"""Gold labels: an append-only label store, import/export formats, and inter-coder reliability.

* :class:`LabelStore` - the JSONL store (default ``<project>/seeds/labels.jsonl``):
  :meth:`~LabelStore.append` validates and writes atomically, :meth:`~LabelStore.resolved`
  gives one row per passage, :meth:`~LabelStore.history` every record.
* :func:`frame_matrix`, :func:`task_targets`, :func:`coded` - classifier targets from a resolved table.
* :func:`import_labels`, :func:`export_labels`, :func:`labelstudio_config` - CSV, Label Studio and
  Prodigy/doccano JSONL (see :mod:`stance.labels.formats`).
* :func:`reliability_table`, :func:`disagreements`, :func:`adjudicate` - Krippendorff's alpha per
  label and adjudication of double-coded passages (see :mod:`stance.labels.reliability`).

The record schema is described in :mod:`stance.labels.schema`.
"""

from __future__ import annotations

from stance.labels.formats import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    detect_format,
    export_labels,
    import_labels,
    labelstudio_config,
    read_labels,
)
from stance.labels.reliability import (
    adjudicate,
    adjudications,
    disagreements,
    krippendorff_alpha,
    read_decisions,
    reliability_table,
)
from stance.labels.schema import NO_ROLE, LabelSchema, doc_id_of, record_id
from stance.labels.store import (
    MIN_POSITIVES,
    Change,
    ImportReport,
    LabelStore,
    coded,
    default_store_path,
    document_counts,
    frame_matrix,
    label_counts,
    resolve_records,
    task_targets,
)

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "MIN_POSITIVES",
    "NO_ROLE",
    "Change",
    "ImportReport",
    "LabelSchema",
    "LabelStore",
    "adjudicate",
    "adjudications",
    "coded",
    "default_store_path",
    "detect_format",
    "disagreements",
    "doc_id_of",
    "document_counts",
    "export_labels",
    "frame_matrix",
    "import_labels",
    "krippendorff_alpha",
    "label_counts",
    "labelstudio_config",
    "read_decisions",
    "read_labels",
    "record_id",
    "reliability_table",
    "resolve_records",
    "task_targets",
]
