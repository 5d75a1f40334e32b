"""Pictures in an S3-compatible object store (`GENLIB_BLOB_URL=s3://bucket/prefix`); boto3 is
imported only when one is configured."""
from .images import S3ImageStore, parse_blob_url

__all__ = ["S3ImageStore", "parse_blob_url"]
