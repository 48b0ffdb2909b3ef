"""Products API (API.md § Products), one module per job: `cached` (cached reads as rendered
JSON), `keys` (the query parameters and the cache key parts they make), `serializers`, `listing`
(list and staff create), `detail` (detail and staff update), `best_sellers`. Import from the
modules."""
