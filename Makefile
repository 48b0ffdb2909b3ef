# Thin wrappers; dev.py is the real entry point and needs only Python 3.11+.
.PHONY: run test check ci bench
run:
	python3 dev.py run
test:
	python3 dev.py test
check:
	python3 dev.py check
ci:
	bash .ci/run
bench:
	python3 dev.py bench
