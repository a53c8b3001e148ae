// Command gen builds kassa's embedded reference data (refdata/countries.tsv
// and refdata/networks.tsv.gz) from iso-codes, mobile-broadband-provider-info,
// libphonenumber's metadata and carrier data (via github.com/nyaruka/phonenumbers)
// and the alias table aliases.tsv. It is run by `go generate ./refdata/...`;
// see refdata/README.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	iso := fs.String("iso", "/usr/share/iso-codes/json/iso_3166-1.json", "iso-codes ISO 3166-1 JSON (Debian package iso-codes)")
	mbpi := fs.String("mbpi", "/usr/share/mobile-broadband-provider-info/serviceproviders.xml", "serviceproviders.xml (Debian package mobile-broadband-provider-info)")
	aliasesPath := fs.String("aliases", "gen/aliases.tsv", "alias table: country, libphonenumber carrier name, network code[, network name]")
	phoneDir := fs.String("phonenumbers", "", "directory of the github.com/nyaruka/phonenumbers module (default: from go list -m)")
	out := fs.String("out", ".", "directory to write countries.tsv and networks.tsv.gz to")
	report := fs.Bool("report", false, "list the libphonenumber carriers no network was found for")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *phoneDir == "" {
		dir, err := moduleDir("github.com/nyaruka/phonenumbers")
		if err != nil {
			return err
		}
		*phoneDir = dir
	}
	src, err := readSources(*iso, *mbpi, *aliasesPath, *phoneDir)
	if err != nil {
		return err
	}
	res, err := build(src)
	if err != nil {
		return err
	}
	nets, err := gzipDeterministic(networksTSV(res.Networks))
	if err != nil {
		return fmt.Errorf("compress networks: %w", err)
	}
	if err := writeFile(filepath.Join(*out, "countries.tsv"), countriesTSV(res.Countries)); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(*out, "networks.tsv.gz"), nets); err != nil {
		return err
	}
	printCoverage(stdout, res)
	if *report {
		for _, d := range src.droppedCodes {
			fmt.Fprintf(stdout, "dropped\t%s\tMCC of another country\n", d)
		}
		printJoins(stdout, res.Joins)
		printUnmatched(stdout, res.Unmatched)
	}
	return nil
}

func readSources(iso, mbpi, aliasesPath, phoneDir string) (sources, error) {
	var src sources
	var err error
	if src.iso, err = readISOCountries(iso); err != nil {
		return src, err
	}
	if src.providers, err = readMBPI(mbpi); err != nil {
		return src, err
	}
	src.providers, src.droppedCodes = dropForeignCodes(src.providers)
	if src.aliases, err = readAliases(aliasesPath); err != nil {
		return src, err
	}
	if src.carriers, err = readCarriers(phoneDir); err != nil {
		return src, err
	}
	if src.phone, err = loadPhoneMeta(); err != nil {
		return src, err
	}
	return src, nil
}

// moduleDir asks the go command where a module of the build list lives.
func moduleDir(path string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	if err != nil {
		return "", fmt.Errorf("locate module %s (go list -m): %w; pass -phonenumbers", path, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("locate module %s: not downloaded (run go mod download %s)", path, path)
	}
	return dir, nil
}

func printCoverage(w io.Writer, res *result) {
	withPrefix := 0
	for _, c := range res.Countries {
		if c.DialingPrefix != "" {
			withPrefix++
		}
	}
	networks, ranged, ranges := map[string]int{}, map[string]int{}, map[string]int{}
	mobileCountries := map[string]bool{}
	aliases := 0
	for _, n := range res.Networks {
		networks[n.Type]++
		ranges[n.Type] += len(n.Ranges)
		if len(n.Ranges) > 0 {
			ranged[n.Type]++
		}
		if n.Type == "mobile" {
			mobileCountries[n.Country] = true
			aliases += len(n.Aliases)
		}
	}
	unmatched := 0
	for _, u := range res.Unmatched {
		unmatched += u.Prefixes
	}
	total, pseudo, pseudoRanges := 0, 0, 0
	for t, n := range ranges {
		total += n
		if t != "mobile" {
			pseudo += networks[t]
			pseudoRanges += n
		}
	}
	fmt.Fprintf(w, "countries: %d (with a dialling prefix: %d)\n", len(res.Countries), withPrefix)
	fmt.Fprintf(w, "mobile networks with MCC/MNC: %d in %d countries (with ranges: %d; alias codes: %d)\n",
		networks["mobile"], len(mobileCountries), ranged["mobile"], aliases)
	fmt.Fprintf(w, "pseudo-networks: %d (landline %d, toll-free %d, premium %d, virtual %d, pager %d)\n", pseudo,
		networks["landline"], networks["landline_tollfree"], networks["landline_premium"], networks["virtual"], networks["pager"])
	fmt.Fprintf(w, "ranges (prefix rows): %d (mobile %d, pseudo-networks %d)\n", total, ranges["mobile"], pseudoRanges)
	fmt.Fprintf(w, "libphonenumber carrier prefixes joined to a network: %d of %d (%d carriers without a network)\n",
		ranges["mobile"], ranges["mobile"]+unmatched, len(res.Unmatched))
}

func printJoins(w io.Writer, js []carrierJoin) {
	for _, j := range js {
		fmt.Fprintf(w, "joined\t%s\t%s\t%s\t%s\t%s\t%d\n", j.Country, j.Carrier, j.Network, j.NetworkName, j.How, j.Prefixes)
	}
}

func printUnmatched(w io.Writer, us []unmatchedCarrier) {
	sorted := append([]unmatchedCarrier(nil), us...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Prefixes > sorted[j].Prefixes })
	for _, u := range sorted {
		fmt.Fprintf(w, "unmatched\t%s\t%s\t%d\n", u.Country, u.Carrier, u.Prefixes)
	}
}
