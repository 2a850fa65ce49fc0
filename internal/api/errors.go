package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/bertserve/bertserve/internal/errs"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.BadRequest:   http.StatusBadRequest,
	errs.Invalid:      http.StatusUnprocessableEntity,
	errs.TooLong:      http.StatusRequestEntityTooLarge,
	errs.NotFound:     http.StatusNotFound,
	errs.WrongTask:    http.StatusBadRequest,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Overloaded:   http.StatusTooManyRequests,
	errs.Unavailable:  http.StatusServiceUnavailable,
	errs.Timeout:      http.StatusGatewayTimeout,
	errs.Canceled:     statusClientClosed,
	errs.Internal:     http.StatusInternalServerError,
}

// statusClientClosed is the status logged for a request whose client disconnected (nginx's 499);
// nobody is left to read it.
const statusClientClosed = 499

// ErrorBody is the JSON body of every 4xx and 5xx response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong; Field names the request field at fault, when one is.
type ErrorDetail struct {
	Code    errs.Code `json:"code"`
	Message string    `json:"message"`
	Field   string    `json:"field,omitempty"`
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := errs.CodeOf(err)
	if teiPaths[r.URL.Path] && code != errs.Unauthorized {
		s.writeTEIError(w, r, err) // errors from middleware (admission, panics) on TEI's routes
		return
	}
	status := statusOf[code]
	if code == errs.Internal {
		s.cfg.Logger.Error("request failed", "request_id", requestID(r.Context()), "path", r.URL.Path, "err", err)
	}
	if code == errs.Overloaded {
		w.Header().Set("Retry-After", "1")
	}
	body := ErrorBody{Error: ErrorDetail{Code: code, Message: errs.Message(err)}}
	var e *errs.Error
	if errors.As(err, &e) {
		body.Error.Field = e.Field
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	// Encoding before the header is sent lets a value JSON cannot hold (a NaN from a broken model)
	// still get a proper error instead of a 200 with an empty body.
	body, err := json.Marshal(v)
	if err != nil {
		slog.Error("encode response", "err", err)
		status = http.StatusInternalServerError
		body, _ = json.Marshal(ErrorBody{Error: ErrorDetail{Code: errs.Internal, Message: "Internal error."}})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	if _, err := w.Write(append(body, '\n')); err != nil {
		slog.Debug("write response", "err", err)
	}
}

// decode reads r's JSON body into v, refusing unknown fields and trailing data, and turns JSON
// errors into coded errors that name the field at fault.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.New(errs.BadRequest, "the body must hold a single JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	var coded *errs.Error
	switch {
	case errors.As(err, &coded):
		return coded
	case errors.As(err, &tooBig):
		return errs.New(errs.TooLong, "the body is larger than %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return errs.New(errs.BadRequest, "the body is empty; send a JSON object")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.New(errs.BadRequest, "the body is not valid JSON: %v", err)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return errs.New(errs.BadRequest, "the body must be a JSON object, not %s", typeErr.Value)
		}
		return errs.Field(errs.Invalid, field, "must be %s, not %s", jsonKind(typeErr.Type.String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Field(errs.Invalid, field, "unknown field")
	}
	return errs.New(errs.BadRequest, "the body is not valid JSON: %v", err)
}

// jsonKind names a Go type the way a JSON user thinks of it.
func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"), strings.HasPrefix(goType, "uint"):
		return "a number"
	}
	return fmt.Sprintf("a %s", goType)
}
