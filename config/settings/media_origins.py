"""Where product pictures are served from, as CSP `img-src` sources: the pages may show images
from our own origin only, so a bucket or a CDN in front of it must be named in the policy."""

from urllib.parse import urlsplit


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} and parts.netloc else None


def media_origins(*, media_url: str, s3: dict | None) -> list[str]:
    """The origins a picture URL can have: MEDIA_URL's when it is absolute (a CDN in front of the
    local media folder), and for S3 storage django-storages' URL host: the custom domain, else the
    endpoint (path-style URLs, as botocore addresses a custom endpoint), else AWS's virtual-hosted
    bucket hosts (global and regional)."""
    origins = [origin] if (origin := _origin(media_url)) else []
    if s3 is not None:
        if s3.get("custom_domain"):
            origins.append(f"https://{s3['custom_domain']}")
        elif s3.get("endpoint_url"):
            if origin := _origin(s3["endpoint_url"]):
                origins.append(origin)
        else:
            bucket = s3["bucket_name"]
            origins.append(f"https://{bucket}.s3.amazonaws.com")
            if s3.get("region_name"):
                origins.append(f"https://{bucket}.s3.{s3['region_name']}.amazonaws.com")
    return list(dict.fromkeys(origins))
