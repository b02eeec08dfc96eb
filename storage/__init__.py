"""Where records live: S3 objects (minio SDK), the local SeaweedFS server, the catalogue."""
