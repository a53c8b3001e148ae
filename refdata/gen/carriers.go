package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// carrierPrefix is one row of libphonenumber's carrier data: a full number
// prefix (country code included) and the carrier name for it.
type carrierPrefix struct {
	Prefix  string
	Carrier string
}

// maxNamesSize bounds the interned-names block (the real one is ~20 KiB).
const maxNamesSize = 16 << 20

// readCarriers decodes data/prefix_to_carriers/en.txt.gz from the
// nyaruka/phonenumbers module directory. The format is the module's own
// (serialize.go, loadPrefixMap): a gzip stream holding a little-endian
// uint32 byte length, the newline-separated interned names, a uint32 count,
// then per mapping a uvarint prefix delta and a uint16 name index.
func readCarriers(moduleDir string) ([]carrierPrefix, error) {
	path := filepath.Join(moduleDir, "data", "prefix_to_carriers", "en.txt.gz")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read carrier data: %w", err)
	}
	out, err := decodeCarriers(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// decodeCarriers decodes one gzip-compressed carrier prefix map.
func decodeCarriers(raw []byte) ([]carrierPrefix, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("carrier data: %w", err)
	}
	defer zr.Close()
	r := bufio.NewReader(zr)
	var size uint32
	if err := binary.Read(r, binary.LittleEndian, &size); err != nil {
		return nil, fmt.Errorf("carrier data: names size: %w", err)
	}
	if size > maxNamesSize {
		return nil, fmt.Errorf("carrier data: names size %d exceeds %d", size, maxNamesSize)
	}
	names := make([]byte, size)
	if _, err := io.ReadFull(r, names); err != nil {
		return nil, fmt.Errorf("carrier data: names: %w", err)
	}
	values := strings.Split(string(names), "\n")
	var count uint32
	if err := binary.Read(r, binary.LittleEndian, &count); err != nil {
		return nil, fmt.Errorf("carrier data: mapping count: %w", err)
	}
	out := make([]carrierPrefix, 0, min(count, 1<<16))
	prefix := uint64(0)
	for i := uint32(0); i < count; i++ {
		diff, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, fmt.Errorf("carrier data: mapping %d: %w", i, err)
		}
		prefix += diff
		var idx uint16
		if err := binary.Read(r, binary.LittleEndian, &idx); err != nil {
			return nil, fmt.Errorf("carrier data: mapping %d: %w", i, err)
		}
		if int(idx) >= len(values) {
			return nil, fmt.Errorf("carrier data: mapping %d: name index %d out of range", i, idx)
		}
		out = append(out, carrierPrefix{Prefix: strconv.FormatUint(prefix, 10), Carrier: values[idx]})
	}
	return out, nil
}
