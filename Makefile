# Build / run / test entry points. `make help` lists them.
#
# Everything runs from the project's own virtualenv (.venv), created on demand with the
# first Python >= 3.12 that scripts/find_python.sh finds (override: make PYTHON=/path/to/python3.x).
# Tools are called as `python -m <tool>` so a moved checkout (stale shebangs) still works.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV      ?= .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.requirements-installed
PORT      ?= 8000
BIND      ?= 127.0.0.1
CHROMIUM  := /usr/bin/chromium

.PHONY: help venv run mode test lint format bench chromium node-tools clean clean-db nginx prod-check ffmpeg espeak-ng oidc-provider xmlsec1

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The venv is (re)created when missing, broken or older than 3.12; requirements are
# (re)installed only when requirements.txt is newer than the stamp. This is a single
# shell recipe on purpose: the stamp lives inside .venv, so recreating the venv also
# forces a reinstall.
venv: ## Create .venv and install requirements.txt (only when it changed)
	@if ! "$(PY)" -c 'import sys; sys.exit(sys.version_info < (3,12))' >/dev/null 2>&1; then \
		python="$$(bash scripts/find_python.sh)"; \
		echo "Creating $(VENV) with $$python ($$("$$python" -V 2>&1))"; \
		rm -rf "$(VENV)"; \
		"$$python" -m venv "$(VENV)"; \
		"$(PY)" -m pip install --quiet --disable-pip-version-check --upgrade pip; \
	fi
	@if [ ! -f "$(STAMP)" ] || [ requirements.txt -nt "$(STAMP)" ]; then \
		echo "Installing requirements.txt into $(VENV)"; \
		"$(PY)" -m pip install --disable-pip-version-check --no-input -r requirements.txt; \
		touch "$(STAMP)"; \
	fi

# daphne runs in the foreground; the background worker
# is started first and killed by its PID when daphne stops (Ctrl-C or crash).
run: venv ffmpeg xmlsec1 ## Migrate, seed demo data if empty, serve on http://127.0.0.1:8000 (PORT=...)
	"$(PY)" manage.py migrate --noinput
	"$(PY)" manage.py seed_demo --if-empty
	"$(PY)" manage.py search_index --if-empty
	@worker_pid=""; \
	stop_worker() { \
		if [ -n "$$worker_pid" ] && kill -0 "$$worker_pid" 2>/dev/null; then \
			echo "Stopping worker (pid $$worker_pid)"; \
			kill "$$worker_pid" 2>/dev/null || true; \
			wait "$$worker_pid" 2>/dev/null || true; \
		fi; \
	}; \
	trap stop_worker EXIT; \
	trap 'exit 130' INT; \
	trap 'exit 143' TERM; \
	"$(PY)" manage.py run_worker & worker_pid=$$!; \
	echo "Worker started (pid $$worker_pid): scheduled posts, reminders, e-mail"; \
	echo; \
	echo "  Intranet: http://$(BIND):$(PORT)"; \
	echo "  Demo login: printed above by seed_demo."; \
	$(MAKE) --no-print-directory mode | sed 's/^/  /'; \
	echo "  Stop with Ctrl-C."; \
	echo; \
	"$(PY)" -m daphne -b "$(BIND)" -p "$(PORT)" intranet.asgi:application

# DEBUG as the settings read it (DEBUG=1 is the default): development mode shows Django's debug
# pages, with stack traces, instead of the site's error pages.
mode: ## Say whether the app runs in development mode (DEBUG=1, the default) or production mode
	@"$(PY)" -c 'from intranet.settings import DEBUG; print("Development mode (DEBUG=1): errors show debug pages with stack traces. Set DEBUG=0 in production." if DEBUG else "Production mode (DEBUG=0): errors show the site'"'"'s error pages.")'

test: venv chromium node-tools nginx ffmpeg espeak-ng oidc-provider xmlsec1 ## Lint, then run the whole test suite (extra pytest args: PYTEST_ARGS="...")
	bash scripts/test.sh

# The browser tests drive Debian's chromium through Playwright (no browser download).
chromium: ## Install Debian's chromium for the browser tests if it is missing
	@scripts/apt_install.sh "the browser tests" "$(CHROMIUM)" chromium

# Videos are probed and transcoded with Debian's ffmpeg (ffprobe comes with it); the tests make
# their clips with it (lavfi test patterns).
ffmpeg: ## Install Debian's ffmpeg (videos) if it is missing
	@scripts/apt_install.sh "videos" "ffmpeg ffprobe" ffmpeg

# The automatic-captions tests speak their sentences with Debian's espeak-ng (the recogniser, PocketSphinx,
# comes from PyPI with its English model; the app itself never needs espeak-ng).
espeak-ng: ## Install Debian's espeak-ng (speech for the automatic-captions tests) if it is missing
	@scripts/apt_install.sh "the automatic-captions tests" espeak-ng espeak-ng

# SAML sign-in (pysaml2) signs and verifies XML with Debian's xmlsec1 command; the SAML tests' IdP needs it too.
xmlsec1: ## Install Debian's xmlsec1 (SAML signatures) if it is missing
	@scripts/apt_install.sh "SAML sign-in" xmlsec1 xmlsec1

# Tools the browser tests load into pages (axe-core), from the npm registry, pinned by the lock file.
NODE_TOOLS := tests/js
node-tools: ## Install the browser tests' npm tools (tests/js) if missing or changed
	@if [ ! -d "$(NODE_TOOLS)/node_modules" ] || [ "$(NODE_TOOLS)/package-lock.json" -nt "$(NODE_TOOLS)/node_modules" ]; then \
		if ! command -v npm >/dev/null 2>&1; then \
			echo "error: npm is missing; the browser tests need it for axe-core (apt-get install npm)." >&2; exit 1; \
		fi; \
		echo "Installing the browser tests' npm tools into $(NODE_TOOLS)"; \
		npm ci --prefix "$(NODE_TOOLS)" --no-audit --no-fund --loglevel=error; \
		touch "$(NODE_TOOLS)/node_modules"; \
	fi

# A real OpenID Connect provider (panva/oidc-provider) that the SSO tests start on loopback, pinned by its lock file.
OIDC_PROVIDER := sso/oidc-provider
oidc-provider: ## Install the test OpenID Connect provider (sso/oidc-provider) if missing or changed
	@if [ ! -d "$(OIDC_PROVIDER)/node_modules" ] || [ "$(OIDC_PROVIDER)/package-lock.json" -nt "$(OIDC_PROVIDER)/node_modules" ]; then \
		if ! command -v npm >/dev/null 2>&1; then \
			echo "error: npm is missing; the SSO tests need it for oidc-provider (apt-get install npm)." >&2; exit 1; \
		fi; \
		echo "Installing the test OpenID Connect provider into $(OIDC_PROVIDER)"; \
		npm ci --prefix "$(OIDC_PROVIDER)" --no-audit --no-fund --loglevel=error; \
		touch "$(OIDC_PROVIDER)/node_modules"; \
	fi

lint: venv ## ruff check + ruff format --check (reports both before failing)
	@status=0; \
	"$(PY)" -m ruff check . || status=1; \
	"$(PY)" -m ruff format --check . || status=1; \
	exit $$status

format: venv ## Apply ruff's safe fixes and format the code
	"$(PY)" -m ruff check --fix .
	"$(PY)" -m ruff format .

# `make bench` runs the pages benchmark (issue 17, ~6 min); the older ones by name:
# make bench BENCH_ARGS="feed chat" (or BENCH_ARGS="" for all of them, much longer).
BENCH_ARGS ?= pages
bench: venv ## Run the benchmarks (bench/run.sh), args in BENCH_ARGS="..."
	@if [ -f bench/run.sh ]; then \
		PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash bench/run.sh $(BENCH_ARGS); \
	else \
		echo "No benchmarks yet: bench/run.sh does not exist."; \
	fi

clean: ## Remove .venv and caches (keeps the database and media; see clean-db)
	rm -rf "$(VENV)" .pytest_cache .ruff_cache staticfiles .make
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

clean-db: ## Delete the local SQLite databases (db.sqlite3, and test databases left by interrupted runs)
	rm -f db.sqlite3 db.sqlite3-journal db.sqlite3-wal db.sqlite3-shm
	rm -f .test-db*.sqlite3*  # .test-db-<pid>.sqlite3, with _gw0... per xdist worker, and -wal/-shm/-journal

# Production topology (deploy/): nginx from Debian's packages, with the brotli filter module the
# site uses. Installed only when missing; the package's own service is not used (the topology
# test and prod-check run nginx with a configuration of their own, by PID).
NGINX := /usr/sbin/nginx
NGINX_BROTLI := /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so
nginx: ## Install Debian's nginx (and its brotli module) for the topology test and prod-check if missing
	@scripts/apt_install.sh "the topology test and prod-check" "$(NGINX) $(NGINX_BROTLI)" nginx libnginx-mod-http-brotli-filter

prod-check: venv nginx ## Validate deploy/: nginx -t on the real site, manage.py check --deploy with the env template
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash deploy/prod-check.sh
