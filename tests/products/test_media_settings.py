"""Where pictures are stored and served from: production keeps the S3 storage base chose, and the
CSP names the picture host (else every picture on a page from a bucket or a CDN is blocked)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from config.settings.media_origins import media_origins

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({'default': settings.STORAGES['default']['BACKEND'], "
    "'static': settings.STORAGES['staticfiles']['BACKEND'], "
    "'img': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}))"
)


def _settings(module: str, **environ: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIA_", "S3_"))}
    env.update(
        DJANGO_SETTINGS_MODULE=module,
        SECRET_KEY="k8Jq2vX9mZ4pL7nR1sT6wY3bD5fH0gA2cE8uI4oP6qW9eR1tY3uI5oP7aS9dF2gH4jK",
        DATA_PLATFORM_SECRET="Zr4Nw8Qe2Lk6Hy0Ps3Vb7Xc1Mf5Tg9Ja-platform",
        **environ,
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_the_s3_storage_and_allows_its_cdn():
    loaded = _settings(
        "config.settings.production", MEDIA_STORAGE="s3", S3_BUCKET="shop-media", S3_CUSTOM_DOMAIN="img.example.kr"
    )
    assert loaded["default"] == "storages.backends.s3.S3Storage"
    assert loaded["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert loaded["img"] == ["'self'", "data:", "https://img.example.kr"]


def test_local_media_needs_nothing_more_than_self():
    loaded = _settings("config.settings.production")
    assert loaded["default"] == "django.core.files.storage.FileSystemStorage"
    assert loaded["img"] == ["'self'", "data:"]


def test_the_picture_origins_of_each_shape():
    assert media_origins(media_url="/media/", s3=None) == []
    assert media_origins(media_url="https://cdn.example.kr/media/", s3=None) == ["https://cdn.example.kr"]
    minio = {"bucket_name": "b", "endpoint_url": "http://127.0.0.1:9000", "custom_domain": None}
    assert media_origins(media_url="/media/", s3=minio) == ["http://127.0.0.1:9000"]
    aws = {"bucket_name": "b", "endpoint_url": None, "region_name": "ap-northeast-2", "custom_domain": None}
    assert media_origins(media_url="/media/", s3=aws) == [
        "https://b.s3.amazonaws.com",
        "https://b.s3.ap-northeast-2.amazonaws.com",
    ]
    cdn = {"bucket_name": "b", "endpoint_url": "https://s3.example.kr", "custom_domain": "img.example.kr"}
    assert media_origins(media_url="https://img.example.kr/", s3=cdn) == ["https://img.example.kr"]
