package main

// version is the server's version, reported by /info; release builds set it with
// -ldflags "-X main.version=<version>" (scripts/docker-build.sh does).
var version = "dev"
