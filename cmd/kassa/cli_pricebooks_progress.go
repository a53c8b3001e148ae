package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progressMinSize is the file size from which an import shows progress on
// a terminal without --progress.
const progressMinSize = 1 << 20

// progress shows how much of an upload is sent: a bar redrawn in place on
// a terminal, or one plain line per tenth on anything else.
type progress struct {
	w        io.Writer
	name     string
	total    int64
	terminal bool
	shown    int   // percent (terminal) or tenths (plain) already shown
	sent     int64 // bytes sent so far
	done     bool
}

// newProgress returns the progress display of an upload of total bytes, or
// nil when none is wanted: stderr is a terminal and the file is large, or
// force (--progress). total 0 (unknown size) shows bytes only.
func newProgress(w io.Writer, name string, total int64, force bool) *progress {
	terminal := isTerminal(w)
	if !force && (!terminal || total < progressMinSize) {
		return nil
	}
	return &progress{w: w, name: name, total: total, terminal: terminal, shown: -1}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// update is the client's progress callback.
func (p *progress) update(sent, total int64) {
	p.sent = sent
	if p.terminal {
		p.drawBar(sent)
		return
	}
	if p.total <= 0 {
		return // plain lines need the size; finish reports the bytes
	}
	for tenth := int(sent * 10 / p.total); p.shown < tenth; {
		p.shown++
		at := p.total * int64(p.shown) / 10
		fmt.Fprintf(p.w, "uploading %s: %3d%% (%s of %s)\n", p.name, p.shown*10, humanBytes(at), humanBytes(p.total))
	}
}

// drawBar redraws the terminal bar when the percentage changes.
func (p *progress) drawBar(sent int64) {
	if p.total <= 0 {
		if mib := int(sent >> 20); mib != p.shown { // unknown size: redraw per MiB
			p.shown = mib
			fmt.Fprintf(p.w, "\ruploading %s: %s", p.name, humanBytes(sent))
		}
		return
	}
	pct := int(sent * 100 / p.total)
	if pct == p.shown {
		return
	}
	p.shown = pct
	const width = 30
	fill := pct * width / 100
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	fmt.Fprintf(p.w, "\ruploading %s [%s] %3d%% %s / %s", p.name, bar, pct, humanBytes(sent), humanBytes(p.total))
}

// finish ends the bar's line once the upload is over; a nil progress
// does nothing.
func (p *progress) finish() {
	if p == nil || p.done {
		return
	}
	p.done = true
	switch {
	case p.terminal:
		fmt.Fprintln(p.w)
	case p.total <= 0: // plain lines need the size: say what was sent
		fmt.Fprintf(p.w, "uploaded %s: %s\n", p.name, humanBytes(p.sent))
	}
}

// humanBytes formats a byte count: "512 B", "12.0 KiB", "40.5 MiB".
func humanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%d.%d KiB", n>>10, (n%(1<<10))*10>>10)
	}
	return fmt.Sprintf("%d.%d MiB", n>>20, (n%(1<<20))*10>>20)
}
