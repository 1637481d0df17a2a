# rung: `make run` serves the app, `make test` runs every test.
# Both install what is missing first (see `tools`).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/end2end/node_modules/.bin:$(PATH)

# Versions that work together on this toolchain (see DEVELOPERS.md).
CARGO_LEPTOS_VERSION := 0.3.10
# Must equal the wasm-bindgen crate pinned in Cargo.toml / Cargo.lock.
WASM_BINDGEN_VERSION := 0.2.130
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test tools chromium unit e2e lint bench fmt check clean attack-tools

## Build (release) and serve on http://127.0.0.1:3000 with the SQLite file rung.db.
run: tools
	cargo leptos build --release --precompress
	LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR=127.0.0.1:3000 target/release/rung serve

## Every test: formatting and clippy (server and wasm), unit, integration
## (SQLite; PostgreSQL when RUNG_TEST_POSTGRES_URL is set), and the end-to-end
## tests in Chromium against a release build.
test: tools chromium check unit e2e

unit:
	cargo test --features ssr

e2e: tools chromium attack-tools
	cargo leptos build --release --precompress
	ATTACK_PYTHON=$(ATTACK_VENV)/bin/python end2end/run.sh

## Python for the attack suite (PyJWT and cryptography: an independent JWT
## implementation), in a virtualenv under target/.
ATTACK_VENV := $(CURDIR)/target/attack-venv
attack-tools:
	@$(ATTACK_VENV)/bin/python -c 'import jwt, cryptography' 2>/dev/null \
		|| (python3 -m venv $(ATTACK_VENV) && $(ATTACK_VENV)/bin/pip install -q 'pyjwt>=2.8,<3' 'cryptography>=42')

## Check the question bank (quizzes/).
lint:
	cargo run --quiet --features ssr -- lint quizzes

## Benchmarks (figures go to BENCHMARKS.md): bank load + lint, the cue report,
## and the simulated accuracy of each shipped quiz's verdict under rung's own
## model and six misspecified truths, beside an oracle (about 15 minutes).
bench:
	cargo bench --features ssr --bench bank
	cargo build --release --features ssr --bin rung
	target/release/rung lint quizzes | sed -n '/^Cues:/,$$p'
	for quiz in screen standard senior; do \
		target/release/rung simulate --quiz $$quiz --candidates 10000 --seed 1 --truth all --confidence; done
	target/release/rung simulate --quiz standard --candidates 10000 --seed 1 --truth rung,realistic --per-level 1,2,3,4,6,8,10

fmt:
	cargo fmt --all

check:
	cargo fmt --all -- --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --features hydrate --target wasm32-unknown-unknown --lib -- -D warnings

## Install what a fresh machine lacks to build rung.
tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)" \
		|| cargo install --locked cargo-leptos@$(CARGO_LEPTOS_VERSION)
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" \
		|| cargo install --force wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@[ -x end2end/node_modules/.bin/wasm-opt ] && [ -x end2end/node_modules/.bin/playwright ] \
		|| (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)

## Debian's Chromium for the end-to-end tests (Playwright's download is not used).
chromium:
	@command -v chromium >/dev/null \
		|| ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium)

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/test-results
