"""Coupon writes, one module per job: `discount` (the arithmetic), `drops` (staff's drop rules,
create and save), `rebuild` (the Redis gate rebuilt from PostgreSQL), `issue` (first come first
served) and `orders` (the order-side services, inside the caller's transaction). Import from the
modules."""
