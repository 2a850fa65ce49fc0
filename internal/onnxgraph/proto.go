package onnxgraph

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one protobuf field as it appeared on the wire: raw holds its tag and value, so that
// fields the rewrite does not touch are written back byte for byte (weights included).
type field struct {
	num protowire.Number
	typ protowire.Type
	raw []byte
	val []byte // the payload of a length-delimited field
	u   uint64 // the value of a varint field
}

func parseFields(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		f := field{num: num, typ: typ}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		switch typ {
		case protowire.BytesType:
			f.val, _ = protowire.ConsumeBytes(b[n:])
		case protowire.VarintType:
			f.u, _ = protowire.ConsumeVarint(b[n:])
		}
		f.raw = b[:n+m]
		out = append(out, f)
		b = b[n+m:]
	}
	return out, nil
}

// Field numbers of onnx.proto.
const (
	modelGraph  = 7
	modelOpset  = 8
	opsetDomain = 1
	opsetVer    = 2

	graphNode        = 1
	graphInitializer = 5
	graphInput       = 11
	graphOutput      = 12

	nodeInput  = 1
	nodeOutput = 2
	nodeName   = 3
	nodeOpType = 4
	nodeAttr   = 5
	nodeDomain = 7

	attrName   = 1
	attrInt    = 3
	attrTensor = 5
	attrGraph  = 6
	attrInts   = 8
	attrGraphs = 11
	attrType   = 20

	tensorDims     = 1
	tensorDataType = 2
	tensorName     = 8
	tensorRaw      = 9
	tensorLocation = 14

	valueInfoName = 1
)

// ONNX enum values used here.
const (
	attrTypeInt    = 2
	attrTypeTensor = 4
	attrTypeInts   = 7

	dataFloat = 1
	dataInt64 = 7
	dataBool  = 9

	locationExternal = 1
)

// node is a NodeProto with the fields the rewrite reads; fields keeps the rest for writing back.
type node struct {
	inputs, outputs []string
	opType, domain  string
	fields          []field
	hasSubgraph     bool
}

func parseNode(b []byte) (*node, error) {
	fs, err := parseFields(b)
	if err != nil {
		return nil, err
	}
	n := &node{fields: fs}
	for _, f := range fs {
		switch f.num {
		case nodeInput:
			n.inputs = append(n.inputs, string(f.val))
		case nodeOutput:
			n.outputs = append(n.outputs, string(f.val))
		case nodeOpType:
			n.opType = string(f.val)
		case nodeDomain:
			n.domain = string(f.val)
		case nodeAttr:
			afs, err := parseFields(f.val)
			if err != nil {
				return nil, err
			}
			for _, a := range afs {
				if a.num == attrGraph || a.num == attrGraphs {
					n.hasSubgraph = true
				}
			}
		}
	}
	return n, nil
}

// encode writes the node back with its current inputs in place of the ones it was read with.
func (n *node) encode() []byte {
	size := 0 // a Constant node may carry a large tensor: size the buffer once
	for _, f := range n.fields {
		size += len(f.raw)
	}
	for _, in := range n.inputs {
		size += protowire.SizeTag(nodeInput) + protowire.SizeBytes(len(in))
	}
	b := make([]byte, 0, size)
	wroteInputs := false
	for _, f := range n.fields {
		if f.num == nodeInput {
			if !wroteInputs {
				for _, in := range n.inputs {
					b = appendString(b, nodeInput, in)
				}
				wroteInputs = true
			}
			continue
		}
		b = append(b, f.raw...)
	}
	if !wroteInputs {
		// A node with no inputs: they go first, where onnx.proto declares them.
		var head []byte
		for _, in := range n.inputs {
			head = appendString(head, nodeInput, in)
		}
		b = append(head, b...)
	}
	return b
}

func (n *node) isDefaultDomain() bool { return n.domain == "" || n.domain == "ai.onnx" }

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// newNode encodes a default-domain NodeProto; attrs are encoded AttributeProtos.
func newNode(opType, name string, inputs, outputs []string, attrs ...[]byte) *node {
	var b []byte
	for _, in := range inputs {
		b = appendString(b, nodeInput, in)
	}
	for _, out := range outputs {
		b = appendString(b, nodeOutput, out)
	}
	b = appendString(b, nodeName, name)
	b = appendString(b, nodeOpType, opType)
	for _, a := range attrs {
		b = appendBytes(b, nodeAttr, a)
	}
	n, err := parseNode(b)
	if err != nil {
		panic(fmt.Sprintf("onnxgraph: encoding %s: %v", opType, err)) // a bug in this file
	}
	return n
}

func intAttr(name string, v int64) []byte {
	b := appendString(nil, attrName, name)
	b = appendVarint(b, attrInt, uint64(v))
	return appendVarint(b, attrType, attrTypeInt)
}

func intsAttr(name string, vs ...int64) []byte {
	b := appendString(nil, attrName, name)
	for _, v := range vs {
		b = appendVarint(b, attrInts, uint64(v))
	}
	return appendVarint(b, attrType, attrTypeInts)
}

func tensorAttr(name string, tensor []byte) []byte {
	b := appendString(nil, attrName, name)
	b = appendBytes(b, attrTensor, tensor)
	return appendVarint(b, attrType, attrTypeTensor)
}

// int64Tensor encodes a TensorProto of int64 values; dims nil makes a scalar.
func int64Tensor(dims []int64, vs ...int64) []byte {
	var b []byte
	for _, d := range dims {
		b = appendVarint(b, tensorDims, uint64(d))
	}
	b = appendVarint(b, tensorDataType, dataInt64)
	raw := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	return appendBytes(b, tensorRaw, raw)
}

func float32Scalar(v float32) []byte {
	b := appendVarint(nil, tensorDataType, dataFloat)
	raw := binary.LittleEndian.AppendUint32(nil, math.Float32bits(v))
	return appendBytes(b, tensorRaw, raw)
}

// opsetVersion is the model's default-domain opset.
func opsetVersion(model []field) (int64, error) {
	for _, f := range model {
		if f.num != modelOpset {
			continue
		}
		fs, err := parseFields(f.val)
		if err != nil {
			return 0, err
		}
		domain, version := "", int64(0)
		for _, g := range fs {
			switch g.num {
			case opsetDomain:
				domain = string(g.val)
			case opsetVer:
				version = int64(g.u)
			}
		}
		if domain == "" || domain == "ai.onnx" {
			return version, nil
		}
	}
	return 0, errors.New("no default-domain opset")
}

// tensorInfo reads an initializer's name and whether its data lives in another file.
func tensorInfo(b []byte) (name string, external bool, err error) {
	fs, err := parseFields(b)
	if err != nil {
		return "", false, err
	}
	for _, f := range fs {
		switch f.num {
		case tensorName:
			name = string(f.val)
		case tensorLocation:
			external = f.u == locationExternal
		}
	}
	return name, external, nil
}

// valueInfoName reads a ValueInfoProto's name.
func valueName(b []byte) (string, error) {
	fs, err := parseFields(b)
	if err != nil {
		return "", err
	}
	for _, f := range fs {
		if f.num == valueInfoName {
			return string(f.val), nil
		}
	}
	return "", errors.New("value info without a name")
}
