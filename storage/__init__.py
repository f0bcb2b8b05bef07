"""Object storage: the one adapter over the `minio` SDK (objects.py) and the embedded S3 server
(embedded.py). Nothing else in the project imports the SDK."""
