"""S3-compatible object storage (AWS S3, MinIO, R2 …): put, get and list objects."""
