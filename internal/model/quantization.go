package model

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
)

// quantizedOps are operator types that only quantized graphs hold. ONNX stores op_type as plain
// protobuf strings, so finding one in the file is enough to tell, without parsing the graph.
var quantizedOps = [][]byte{
	[]byte("DynamicQuantizeLinear"), []byte("MatMulInteger"), []byte("QLinearMatMul"),
	[]byte("MatMulIntegerToFloat"), []byte("QuantizeLinear"), []byte("MatMulNBits"), []byte("QAttention"),
}

// Quantization says how the model's weights are stored: "int8" when its graph holds quantized
// operators, "none" otherwise, "unknown" when model.onnx cannot be read.
func (m *Model) Quantization() string {
	f, err := os.Open(filepath.Join(m.Dir, "model.onnx"))
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	const chunk, overlap = 1 << 20, 64
	r := bufio.NewReaderSize(f, chunk)
	buf := make([]byte, 0, chunk+overlap)
	for {
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		for _, op := range quantizedOps {
			if bytes.Contains(buf, op) {
				return "int8"
			}
		}
		if err != nil {
			return "none"
		}
		keep := min(overlap, len(buf))
		buf = append(buf[:0], buf[len(buf)-keep:]...)
	}
}
