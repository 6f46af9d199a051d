# The two commands: `make dev` runs the store locally, `make test` runs every test. Both install
# what they need first (a project virtualenv with moto's server and the AWS CLI, from PyPI) and
# stop what they start.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
MOTO_VERSION := 5.2.5
AWSCLI_VERSION := 1.46.2
CARGO_LAMBDA_VERSION := 1.9.2
ZIGLANG_VERSION := 0.17.0
SELENIUM_VERSION := 4.50.0
WITH_FUNCTIONS := tests/with-functions.sh
WITH_PIPELINE := tests/with-pipeline.sh
# make dev's fixed ports, so the README's commands work as printed.
DEV_AWS_PORT ?= 4566
DEV_LAMBDA_PORT ?= 9001
DEV_API_PORT ?= 8080
DEV_API_KEY ?= local-dev-key
LOCAL_AWS := tests/local-aws.sh
CARGO ?= cargo

.PHONY: help setup browser-setup dev demo test bench fuzz costs build init-duration lint fmt infra-setup infra-test synth
INFRA := infra
NPM := npm --prefix $(INFRA) --no-audit --no-fund --loglevel=error

help:
	@echo "make dev    run the store locally: local AWS endpoint, tables, functions (cargo lambda watch), a sample stream"
	@echo "make test   run every test against a local AWS endpoint"
	@echo "make demo   the seeds' scenarios end to end on the local stack, each step printed"
	@echo "make build  cargo lambda build --release --arm64: one zip per function in target/lambda/"
	@echo "make init-duration  each function's init (start to first poll) as a ratio to a hello world, and its first answer with the connection opened at init or not"
	@echo "make bench  zip sizes, init durations, appends beside seed 002, throughput, projector invocations, pipeline latency, key distribution, criterion"
	@echo "make fuzz   every input parser under cargo fuzz for FUZZ_SECONDS each, from a corpus seeded by fixtures/"
	@echo "make costs  print the requests and capacity units of each operation (README cost table)"
	@echo "make lint   cargo fmt --check, clippy -D warnings, tsc on infra/ and on the web console"
	@echo "make synth  cdk synth of infra/ over the zips of make build (cdk.out in infra/)"

setup: $(VENV)/.installed

$(VENV)/.installed: Makefile
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check \
		'moto[server]==$(MOTO_VERSION)' 'awscli==$(AWSCLI_VERSION)' \
		'cargo-lambda==$(CARGO_LAMBDA_VERSION)' 'ziglang==$(ZIGLANG_VERSION)' \
		'selenium==$(SELENIUM_VERSION)'
	touch $@

# The web console's browser test: Debian's Chromium and ChromeDriver, installed when missing.
browser-setup:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
		$$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q chromium chromium-driver; \
	fi

dev: setup
	$(CARGO) build --quiet --locked --bin esctl
	LOCAL_AWS_PORT=$(DEV_AWS_PORT) LAMBDA_PORT=$(DEV_LAMBDA_PORT) API_PORT=$(DEV_API_PORT) API_KEY=$(DEV_API_KEY) \
		$(LOCAL_AWS) $(WITH_FUNCTIONS) \
		target/debug/esctl dev --sample fixtures/streams/account-123.json $(DEV_ARGS)

demo: setup
	$(CARGO) build --quiet --locked --bin esctl
	$(LOCAL_AWS) $(WITH_FUNCTIONS) $(WITH_PIPELINE) target/debug/esctl demo

test: setup lint infra-test browser-setup
	$(CARGO) test --workspace --locked --no-run --quiet
	$(LOCAL_AWS) $(WITH_FUNCTIONS) $(WITH_PIPELINE) bash -c '$(CARGO) test --workspace --locked && \
		SE_OFFLINE=true $(VENV)/bin/python tests/browser/console_test.py'

FUNCTIONS := persister query projector replay api

build: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CARGO) lambda build --release --arm64 --output-format zip \
		$(foreach f,hello $(FUNCTIONS),--bin $(f))
	@for f in hello $(FUNCTIONS); do ls -l target/lambda/$$f/bootstrap.zip | awk -v f=$$f \
		'{printf "%-10s %8.1f KB\n", f, $$5/1024; if ($$5 > 4 * 1024 * 1024) {print f " is over 4 MB"; exit 1}}' || exit 1; done

# Each function beside hello (a lambda_runtime hello world, same profile), on the local endpoint
# so that opening the DynamoDB connection at init (CONNECT_AT_INIT) is timed too. measure-init is
# built with the bench's features: one release build of the tests crate serves both.
init-duration: setup
	$(CARGO) build --quiet --release --locked $(foreach f,hello $(FUNCTIONS),-p $(f))
	$(CARGO) build --quiet --release --locked -p event-store-tests --features dynamo-es --bin measure-init --bin init-phases
	$(LOCAL_AWS) target/release/measure-init --runs 30 $(foreach f,hello $(FUNCTIONS),target/release/$(f))
	target/release/init-phases --runs 30

costs: setup
	$(LOCAL_AWS) $(CARGO) run --quiet --locked -p event-store-tests --bin measure-costs

# A benchmark, not a test: every figure printed, none asserted but the key distribution's limit.
bench: setup build init-duration
	$(CARGO) build --quiet --release --locked -p event-store-tests --features dynamo-es --bin bench --bin pipeline-bench
	$(LOCAL_AWS) target/release/bench
	$(LOCAL_AWS) $(WITH_FUNCTIONS) target/release/pipeline-bench
	$(CARGO) bench --locked --quiet -p event-store-domain -p event-store-dynamodb -p persister --benches

lint: infra-setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked --quiet -- -D warnings
	@# One TLS stack in every function (README: Cold starts): none links aws-lc-rs or the legacy one.
	@for f in $(FUNCTIONS); do for p in aws-lc-rs rustls@0.21 hyper@0.14; do \
		if $(CARGO) tree --quiet --locked -p $$f -i $$p >/dev/null 2>&1; then echo "$$f links $$p"; exit 1; fi; \
	done; done
	cd $(INFRA) && node_modules/.bin/tsc --noEmit
	@# The web console's plain ES modules, type-checked from their JSDoc (nothing is emitted).
	$(INFRA)/node_modules/.bin/tsc -p crates/functions/api/console

# infra/: the CDK app, installed from its lockfile; its tests synthesize offline, without AWS.
infra-setup: $(INFRA)/node_modules/.installed

$(INFRA)/node_modules/.installed: $(INFRA)/package.json $(INFRA)/package-lock.json
	$(NPM) ci
	touch $@

infra-test: infra-setup
	cd $(INFRA) && node_modules/.bin/jest --ci

synth: infra-setup
	cd $(INFRA) && node_modules/.bin/cdk synth --quiet $(CDK_ARGS)

fmt:
	$(CARGO) fmt --all

# cargo-fuzz from crates.io into .tools/; libFuzzer needs no sanitizer here (-s none) and stable
# rustc takes cargo-fuzz's -Z flags with RUSTC_BOOTSTRAP=1. Each target starts from fixtures/.
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := eventbridge_envelope sqs_body stream_record query_request replay_request projector_settings settings_variables
FUZZ_SEEDS_eventbridge_envelope := fixtures/events fixtures/invoke fixtures/sqs fixtures/streams/account-123.json
FUZZ_SEEDS_sqs_body := fixtures/events
FUZZ_SEEDS_stream_record := fixtures/streams/dynamodb-batch.json
FUZZ_SEEDS_query_request := fixtures/invoke
FUZZ_SEEDS_replay_request := fixtures/invoke
FUZZ_SEEDS_projector_settings := fixtures/settings
FUZZ_SEEDS_settings_variables := fixtures/settings

.tools/bin/cargo-fuzz:
	$(CARGO) install --locked --quiet --root .tools cargo-fuzz --version $(CARGO_FUZZ_VERSION)

fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))

fuzz-%: .tools/bin/cargo-fuzz
	@mkdir -p fuzz/corpus/$*
	@find $(FUZZ_SEEDS_$*) -name '*.json' -exec cp {} fuzz/corpus/$*/ \;
	@if [ -d fuzz/regressions/$* ]; then cp fuzz/regressions/$*/* fuzz/corpus/$*/; fi
	@echo "fuzz: $* for $(FUZZ_SECONDS) s"
	@set -o pipefail; cd fuzz && RUSTC_BOOTSTRAP=1 ../.tools/bin/cargo-fuzz run --sanitizer none $* \
		-- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 2>&1 \
		| { grep -E "^(stat::number_of_executed_units|stat::new_units_added|==[0-9]+==|SUMMARY|thread '|Done|error)" || true; }
