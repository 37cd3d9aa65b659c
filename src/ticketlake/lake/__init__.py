"""The Parquet lake: storage by URI, the manifest (commit log and ledger), integrity checks,
locks and views."""

from ticketlake.lake.integrity import LakeIntegrityError, Verification
from ticketlake.lake.lake import Lake
from ticketlake.lake.manifest import Batch, DataFile, Manifest

__all__ = ["Batch", "DataFile", "Lake", "LakeIntegrityError", "Manifest", "Verification"]
