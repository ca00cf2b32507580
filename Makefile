# The two commands a newcomer needs:
#   make run    runs scrutin with its embedded PostgreSQL and demo data
#   make test   installs what tests need, then vet + every test (race detector)

GO ?= go

.PHONY: run test build bench fmt

run:
	@scripts/install-deps.sh run
	$(GO) run ./cmd/scrutin serve

test:
	@scripts/install-deps.sh test
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) test -race -timeout 25m ./...

build:
	$(GO) build -o bin/scrutin ./cmd/scrutin

# Figures quoted in the README (see "Performance").
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./...
