package ort

/*
#include <xmmintrin.h>

// Sets flush-to-zero and denormals-are-zero on the calling thread and returns the old control word.
static unsigned int bertserve_denormals_off(void) {
	unsigned int old = _mm_getcsr();
	_mm_setcsr(old | 0x8040);
	return old;
}

static void bertserve_restore_csr(unsigned int csr) { _mm_setcsr(csr); }
*/
import "C"

import "runtime"

// withoutDenormals runs f on one OS thread with denormal floats flushed to zero, as ONNX Runtime's
// session.set_denormal_as_zero does for its own pool threads (the calling thread is not one of
// them). Masked attention produces probabilities far below the smallest normal float, and on x86
// arithmetic on such denormals is many times slower than on normal numbers; flushing them changes
// no result by more than that smallest normal (about 1e-38). The thread's control word is restored
// before it goes back to other goroutines.
func withoutDenormals(f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old := C.bertserve_denormals_off()
	defer C.bertserve_restore_csr(old)
	return f()
}
