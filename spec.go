// Package bertserve holds what the whole repository shares: the OpenAPI contract served at
// /openapi.yaml.
package bertserve

import _ "embed"

// OpenAPI is openapi.yaml, the HTTP API's contract.
//
//go:embed openapi.yaml
var OpenAPI []byte
