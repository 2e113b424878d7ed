# The project's commands. `make test` is the one test command: it installs
# every tool the tests need (pinned, project-local) and runs every stage.

.PHONY: test run tools

test:
	./scripts/test

run:
	cargo run --release

tools:
	./scripts/install-tools.sh
