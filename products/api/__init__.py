"""Products API (API.md § Products), one module per job: `cache_first` (a cached read answered
before DRF), `keys` (the query parameters and the cache keys they make), `serializers`, `listing`
(list and staff create), `detail` (detail and staff update), `best_sellers`. Import from the
modules."""
