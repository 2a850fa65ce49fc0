// Package api is the HTTP layer: chi routes (all declared in routes), middleware, the request and
// response types that openapi.yaml documents, and the one table from error codes to statuses.
// Handlers decode, validate, call a pipeline and encode; they do no maths.
package api
