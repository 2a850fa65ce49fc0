//go:build !amd64

package ort

// withoutDenormals runs f; flushing denormals on the calling thread is only implemented for x86-64.
func withoutDenormals(f func() error) error { return f() }
