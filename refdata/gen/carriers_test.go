package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"reflect"
	"testing"
)

// encodeCarriers writes the nyaruka/phonenumbers prefix map format.
func encodeCarriers(names []string, rows []carrierPrefix) []byte {
	var raw bytes.Buffer
	joined := []byte(joinLines(names))
	binary.Write(&raw, binary.LittleEndian, uint32(len(joined)))
	raw.Write(joined)
	binary.Write(&raw, binary.LittleEndian, uint32(len(rows)))
	prev := uint64(0)
	for _, r := range rows {
		var p uint64
		for _, c := range r.Prefix {
			p = p*10 + uint64(c-'0')
		}
		raw.Write(binary.AppendUvarint(nil, p-prev))
		prev = p
		for i, n := range names {
			if n == r.Carrier {
				binary.Write(&raw, binary.LittleEndian, uint16(i))
			}
		}
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	zw.Close()
	return gz.Bytes()
}

func joinLines(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += "\n"
		}
		out += n
	}
	return out
}

func TestDecodeCarriers(t *testing.T) {
	rows := []carrierPrefix{{"26095", "ZAMTEL"}, {"26096", "MTN"}, {"26097", "Airtel"}, {"447400", "Three"}}
	got, err := decodeCarriers(encodeCarriers([]string{"MTN", "Airtel", "ZAMTEL", "Three"}, rows))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rows) {
		t.Errorf("decodeCarriers = %v, want %v", got, rows)
	}
}

func FuzzDecodeCarriers(f *testing.F) {
	f.Add(encodeCarriers([]string{"MTN", "Airtel"}, []carrierPrefix{{"26096", "MTN"}, {"26097", "Airtel"}}))
	f.Add([]byte{})
	f.Add([]byte("not gzip"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		rows, err := decodeCarriers(raw)
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Prefix == "" {
				t.Fatalf("empty prefix in %v", rows)
			}
		}
	})
}
