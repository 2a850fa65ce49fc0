// Package client is a Go client for bertserve, generated from openapi.yaml by oapi-codegen (run
// `go generate ./internal/client` after changing the spec; TestClientIsUpToDate fails until then).
// The end-to-end tests drive the server through it.
package client

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../../openapi.yaml
