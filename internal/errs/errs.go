// Package errs defines the server's closed set of error codes. Every error a user can see carries one;
// the api package maps codes to HTTP statuses in one table, and anything without a code is internal.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients. The strings are part of the JSON API.
type Code string

const (
	BadRequest   Code = "bad_request"    // the body is not the JSON the route takes
	Invalid      Code = "invalid"        // a field's value is out of range or of the wrong kind
	TooLong      Code = "input_too_long" // an input has more tokens than the model takes
	NotFound     Code = "not_found"      // no such route or model
	WrongTask    Code = "wrong_task"     // the model cannot do what the route asks
	Unauthorized Code = "unauthorized"   // missing or wrong API key
	Overloaded   Code = "overloaded"     // the queue is full: retry later
	Unavailable  Code = "unavailable"    // not ready, or shutting down
	Timeout      Code = "timeout"        // the request's deadline passed before it ran
	Canceled     Code = "canceled"       // the client went away before the answer was ready
	Internal     Code = "internal"       // a bug or an inference failure: details go to the log
)

// Error is an error a user may read. Field names the offending request field, when there is one.
type Error struct {
	Code    Code
	Field   string
	Message string
}

func (e *Error) Error() string { return e.Message }

// New returns an error with a code and a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an error about one request field; the message is prefixed with the field's name.
func Field(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// CodeOf returns err's code, or Internal when err carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Message returns what a user may read of err: its message when it carries a code, else a fixed
// text so that internal details never leak.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
